//! The OpenStaff contract: roles, scopes, wire types and the authorization rules.
//!
//! This crate has no I/O so that the API (native) and the SPA (wasm32) compile the
//! very same rules; the server enforces with them and the browser only uses them to
//! hide actions that would be refused.

#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod wire_enum;

pub mod audit;
pub mod codes;
pub mod dto;
pub mod first_party;
pub mod ids;
pub mod patterns;
pub mod policy;
pub mod rfc3339;
pub mod roles;
pub mod rules;

pub use codes::{ErrorCode, FieldErrorCode};
pub use ids::{ApplicationId, RoleAssignmentId, UnitId, UserId};
pub use roles::{Role, Scope};
pub use rules::{Action, Decision, Denial, MyStaffAccess};
pub use wire_enum::UnknownValue;

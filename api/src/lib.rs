//! OpenStaff server library: the binary in `main.rs` only parses the command line and
//! calls into here, so integration tests can build the very same application on a
//! port of their choosing.

#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod domain;
pub mod error;
pub mod openapi;
pub mod routes;
pub mod seed;
pub mod service;
pub mod startup;
pub mod store;
pub mod telemetry;

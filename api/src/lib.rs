//! OpenStaff server library: the binary in `main.rs` only parses the command line and
//! calls into here, so integration tests can build the very same application on a
//! port of their choosing.
//!
//! Layers, each importing only from the ones below it:
//! `cli` → `app` → `http` → `service` → `auth`, `audit`, `domain` → `store` → `shared`.

#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod app;
pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod directory;
pub mod domain;
pub mod error;
pub mod http;
pub mod openapi;
pub mod service;
pub mod sms;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod time;

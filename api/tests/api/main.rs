//! API integration tests: each test starts the real application on port 0 with a
//! fresh database of its own and talks HTTP to it.

mod access_matrix;
mod audit_log;
mod auth;
mod cli;
mod concurrency;
mod directory;
mod edits;
mod errors;
mod helpers;
mod import;
mod openapi;
mod phones;
mod races;
mod reads;
mod replicas;
mod reset;
mod search;
mod secrets;
mod signin_protection;
mod spa;

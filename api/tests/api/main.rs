//! API integration tests: each test starts the real application on port 0 with a
//! fresh database of its own and talks HTTP to it.

mod access_matrix;
mod auth;
mod cli;
mod directory;
mod errors;
mod helpers;
mod openapi;
mod reads;

//! API integration tests: each test starts the real application on port 0 with a
//! fresh database of its own and talks HTTP to it.

mod helpers;
mod cli;
mod openapi;

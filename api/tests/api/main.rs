//! API integration tests: each test starts the real application on port 0 with a
//! fresh database of its own and talks HTTP to it.

// Tests may read the real clock and make ids directly; the app takes both from the
// clock and id generator it is given (see `TestApp::spawn_with_clock`).
#![allow(clippy::disallowed_methods)]

mod access_matrix;
mod ad;
mod applications_as_principals;
mod audit_log;
mod auth;
mod badges;
mod callers;
mod cli;
mod clock;
mod concurrency;
mod contract;
mod directory;
mod edits;
mod errors;
mod first_party;
mod helpers;
mod import;
mod mfa;
mod oidc;
mod openapi;
mod passkeys;
mod phones;
mod races;
mod reads;
mod recovery;
mod replicas;
mod reset;
mod search;
mod secrets;
mod signin_protection;
mod sms;
mod sms_sign_in;
mod spa;
mod sspr;

//! Authentication: password hashing, signed tokens and the request extractor.

pub mod context;
pub mod password;
pub mod tokens;

pub use context::AuthContext;

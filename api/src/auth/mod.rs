//! Authentication: password hashing, signed tokens and the request extractor.

pub mod context;
pub mod password;
pub mod secret_box;
pub mod tokens;

pub use context::AuthContext;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// `N` bytes from the operating system's CSPRNG.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    OsRng.fill_bytes(&mut out);
    out
}

/// A new opaque secret: 256 random bits as base64url (43 characters).
pub fn random_secret() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// How a high-entropy secret (client secret, session id, code, refresh token, CSRF
/// token) is stored and looked up: its SHA-256, base64url. A slow hash would add
/// nothing against 256 random bits.
pub fn secret_hash(secret: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two hashes in constant time.
pub fn hashes_equal(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

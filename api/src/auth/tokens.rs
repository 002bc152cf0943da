//! Signed access tokens (JWT, EdDSA over Ed25519, with a `kid`).
//!
//! Keys live in the database unless a key file is configured, so every replica signs
//! and verifies with the same keys and integrators can fetch them from
//! `/.well-known/jwks.json`.

use crate::store::keys::{self, KeyRow};
use crate::store::Store;
use crate::time::{Micros, Span};
use anyhow::Context;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::SigningKey;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::{Arc, RwLock};
use uuid::Uuid;

/// Leeway for clock skew between replicas, in seconds: a token still verifies this
/// long after its `exp`, and this long before its `nbf`.
pub const LEEWAY_SECS: u64 = 30;

/// The claims of an OpenStaff access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The user id.
    pub sub: String,
    pub exp: u64,
    pub nbf: u64,
    pub iat: u64,
    pub jti: String,
    /// The user's token version when issued; a reset or disable bumps it, ending
    /// every earlier token.
    pub ver: i64,
    /// Password change required: the token is good only for `POST /me/password`.
    #[serde(default)]
    pub pcr: bool,
}

struct KeyMaterial {
    kid: String,
    /// When it starts signing; it verifies from the moment it is loaded.
    activates_at: Micros,
    encoding: EncodingKey,
    decoding: DecodingKey,
    public_x: String,
}

impl KeyMaterial {
    fn from_signing_key(
        kid: String,
        activates_at: Micros,
        sk: &SigningKey,
    ) -> anyhow::Result<Self> {
        let der = sk
            .to_pkcs8_der()
            .map_err(|e| anyhow::anyhow!("encoding signing key: {e}"))?;
        let public = sk.verifying_key().to_bytes();
        Ok(KeyMaterial {
            kid,
            activates_at,
            encoding: EncodingKey::from_ed_der(der.as_bytes()),
            decoding: DecodingKey::from_ed_der(&public),
            public_x: URL_SAFE_NO_PAD.encode(public),
        })
    }

    fn from_row(row: &KeyRow) -> anyhow::Result<Self> {
        let der = STANDARD
            .decode(&row.private_key)
            .context("stored signing key is not base64")?;
        let sk = SigningKey::from_pkcs8_der(&der)
            .map_err(|e| anyhow::anyhow!("stored signing key is invalid: {e}"))?;
        Self::from_signing_key(row.kid.clone(), row.activates_at, &sk)
    }
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("token is malformed or its signature does not verify")]
    Invalid,
    #[error("token was signed by an unknown key")]
    UnknownKey,
    #[error("token has expired")]
    Expired,
    #[error("token is not valid yet")]
    NotYetValid,
}

/// The signing keys in use: the newest signs, all verify.
pub struct KeyRing {
    keys: RwLock<Vec<Arc<KeyMaterial>>>,
    store: Store,
    /// The keys do not come from the database (a key file, or none at all), so there
    /// is nothing to reload.
    fixed: bool,
    pub issuer: String,
    pub audience: String,
    pub ttl_secs: u64,
}

fn kid_for(public: &[u8]) -> String {
    let digest = Sha256::digest(public);
    URL_SAFE_NO_PAD.encode(&digest[..12])
}

impl KeyRing {
    /// Loads the key file, or the database keys (creating one on first start).
    pub async fn load(
        store: &Store,
        key_file: Option<&Path>,
        issuer: String,
        audience: String,
        ttl_secs: u64,
        now: Micros,
    ) -> anyhow::Result<KeyRing> {
        let (keys, fixed) = match key_file {
            Some(path) => {
                let pem = std::fs::read_to_string(path)
                    .with_context(|| format!("reading signing key file {}", path.display()))?;
                let sk = SigningKey::from_pkcs8_pem(&pem).map_err(|e| {
                    anyhow::anyhow!("{} is not a PKCS#8 Ed25519 key: {e}", path.display())
                })?;
                let kid = kid_for(&sk.verifying_key().to_bytes());
                (
                    vec![Arc::new(KeyMaterial::from_signing_key(
                        kid,
                        Micros::EPOCH,
                        &sk,
                    )?)],
                    true,
                )
            }
            None => {
                let mut rows = keys::active_keys(store.reader(), now).await?;
                if rows.is_empty() {
                    generate_into(store, now, now).await?;
                    rows = keys::active_keys(store.reader(), now).await?;
                }
                let keys = rows
                    .iter()
                    .map(|r| KeyMaterial::from_row(r).map(Arc::new))
                    .collect::<anyhow::Result<Vec<_>>>()?;
                (keys, false)
            }
        };
        Ok(KeyRing {
            keys: RwLock::new(keys),
            store: store.clone(),
            fixed,
            issuer,
            audience,
            ttl_secs,
        })
    }

    /// A ring without keys, for the command line, which signs and verifies nothing (it
    /// makes its changes through the services, never through tokens).
    pub fn none(store: &Store) -> KeyRing {
        KeyRing {
            keys: RwLock::new(Vec::new()),
            store: store.clone(),
            fixed: true,
            issuer: String::new(),
            audience: String::new(),
            ttl_secs: 0,
        }
    }

    /// The key that signs at `now`: the latest one already active.
    fn signing(&self, now: Micros) -> Option<Arc<KeyMaterial>> {
        let keys = self.keys.read().ok()?;
        keys.iter()
            .find(|k| k.activates_at <= now)
            .or_else(|| keys.last())
            .cloned()
    }

    fn find(&self, kid: &str) -> Option<Arc<KeyMaterial>> {
        self.keys
            .read()
            .ok()?
            .iter()
            .find(|k| k.kid == kid)
            .cloned()
    }

    /// Re-reads the keys that still verify at `now` from the database (another
    /// replica may have rotated).
    pub async fn reload(&self, now: Micros) -> anyhow::Result<()> {
        if self.fixed {
            return Ok(());
        }
        let rows = keys::active_keys(self.store.reader(), now).await?;
        if rows.is_empty() {
            anyhow::bail!("no signing key in the database");
        }
        let keys = rows
            .iter()
            .map(|r| KeyMaterial::from_row(r).map(Arc::new))
            .collect::<anyhow::Result<Vec<_>>>()?;
        if let Ok(mut guard) = self.keys.write() {
            *guard = keys;
        }
        Ok(())
    }

    /// Signs a token for `sub`, issued at `now`, with the token id `jti`.
    pub fn issue(
        &self,
        sub: &str,
        ver: i64,
        pcr: bool,
        now: Micros,
        jti: Uuid,
    ) -> anyhow::Result<String> {
        let now_secs = now.unix_seconds();
        let key = self.signing(now).context("no signing key loaded")?;
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: sub.to_owned(),
            exp: now_secs + self.ttl_secs,
            nbf: now_secs,
            iat: now_secs,
            jti: jti.to_string(),
            ver,
            pcr,
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(key.kid.clone());
        Ok(jsonwebtoken::encode(&header, &claims, &key.encoding)?)
    }

    fn validation(&self) -> Validation {
        let mut v = Validation::new(Algorithm::EdDSA);
        v.algorithms = vec![Algorithm::EdDSA];
        // jsonwebtoken would judge exp and nbf by the system time; `verify` judges them
        // by the app's clock instead. They must still be present.
        v.validate_exp = false;
        v.validate_nbf = false;
        v.leeway = 0;
        v.set_audience(&[&self.audience]);
        v.set_issuer(&[&self.issuer]);
        v.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        v
    }

    /// Verifies signature, algorithm, `kid`, iss, aud and sub, and exp/nbf against
    /// `now` (with [`LEEWAY_SECS`]).
    pub async fn verify(&self, token: &str, now: Micros) -> Result<Claims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.alg != Algorithm::EdDSA {
            return Err(TokenError::Invalid);
        }
        let kid = header.kid.ok_or(TokenError::Invalid)?;
        let key = match self.find(&kid) {
            Some(k) => k,
            None => {
                // Maybe another replica rotated in a new key since we loaded ours.
                if self.reload(now).await.is_err() {
                    return Err(TokenError::UnknownKey);
                }
                self.find(&kid).ok_or(TokenError::UnknownKey)?
            }
        };
        let claims = jsonwebtoken::decode::<Claims>(token, &key.decoding, &self.validation())
            .map_err(|_| TokenError::Invalid)?
            .claims;
        let now = now.unix_seconds();
        if now >= claims.exp.saturating_add(LEEWAY_SECS) {
            return Err(TokenError::Expired);
        }
        if claims.nbf > now.saturating_add(LEEWAY_SECS) {
            return Err(TokenError::NotYetValid);
        }
        Ok(claims)
    }

    /// The public keys as a JWK set.
    pub fn jwks(&self) -> serde_json::Value {
        let keys: Vec<serde_json::Value> = self
            .keys
            .read()
            .map(|keys| {
                keys.iter()
                    .map(|k| {
                        serde_json::json!({
                            "kty": "OKP",
                            "crv": "Ed25519",
                            "x": k.public_x,
                            "kid": k.kid,
                            "alg": "EdDSA",
                            "use": "sig",
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        serde_json::json!({ "keys": keys })
    }
}

/// Generates a new Ed25519 key that signs from `activates_at`, and stores it.
pub async fn generate_into(
    store: &Store,
    now: Micros,
    activates_at: Micros,
) -> anyhow::Result<String> {
    let mut seed = [0u8; 32];
    OsRng.fill_bytes(&mut seed);
    let sk = SigningKey::from_bytes(&seed);
    let der = sk
        .to_pkcs8_der()
        .map_err(|e| anyhow::anyhow!("encoding signing key: {e}"))?;
    let public = sk.verifying_key().to_bytes();
    let row = KeyRow {
        kid: kid_for(&public),
        algorithm: "EdDSA".to_owned(),
        private_key: STANDARD.encode(der.as_bytes()),
        public_key: URL_SAFE_NO_PAD.encode(public),
        created_at: now,
        activates_at,
        retired_at: None,
    };
    let mut tx = store.begin().await?;
    keys::insert_key(&mut tx, &row).await?;
    tx.commit().await?;
    Ok(row.kid)
}

/// Rotates the signing key: the new key is published at once and signs after
/// `publish_for` (so verifiers that cache the JWKS learn it first); the keys it
/// replaces keep verifying until the tokens they signed have expired.
pub async fn rotate(
    store: &Store,
    now: Micros,
    publish_for: Span,
    token_ttl_secs: u64,
) -> anyhow::Result<(String, Micros, Micros)> {
    let activates_at = now + publish_for;
    let kid = generate_into(store, now, activates_at).await?;
    let retire_at = activates_at + Span::seconds(token_ttl_secs.saturating_add(LEEWAY_SECS));
    let mut tx = store.begin().await?;
    keys::retire_others(&mut tx, &kid, retire_at).await?;
    tx.commit().await?;
    Ok((kid, activates_at, retire_at))
}

//! Signed tokens: access tokens (JWT, EdDSA over Ed25519) and OpenID Connect ID
//! tokens (RS256, which every relying party supports), each with a `kid`.
//!
//! Keys live in the database (the Ed25519 one may come from a file instead), so every
//! replica signs and verifies with the same keys and integrators can fetch them from
//! `/.well-known/jwks.json`. Each algorithm has its own current key and rotates with
//! the other.

use crate::store::keys::{self, KeyRow};
use crate::store::Store;
use crate::time::{Micros, Span};
use anyhow::Context;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::SigningKey;
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
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
    /// OpenID Connect access tokens: the granted scopes (space-separated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// OpenID Connect access tokens: the grant they belong to (revoking it ends them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gid: Option<String>,
    /// OpenID Connect access tokens: the application they were issued to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// How the person proved who they are (RFC 8176): `["pwd"]`, or
    /// `["pwd", "otp", "mfa"]` after a code from an authenticator app.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amr: Vec<String>,
    /// When the person signed in (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<u64>,
    /// `app` on a token an application got for itself (client-credentials grant):
    /// `sub` is then the application's id and `ver` its token version (Entra's
    /// `idtyp` claim). Absent on a person's token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idtyp: Option<String>,
}

/// The `idtyp` of an application's own token.
pub const IDTYP_APP: &str = "app";

/// The key algorithms in use: EdDSA signs access tokens, RS256 signs ID tokens.
pub const ALGORITHMS: [Algorithm; 2] = [Algorithm::EdDSA, Algorithm::RS256];

fn alg_name(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::RS256 => "RS256",
        _ => "EdDSA",
    }
}

/// RSA modulus size of generated ID-token keys.
const RSA_BITS: usize = 2048;

/// A private key, parsed once when loaded (`jsonwebtoken` would parse and check the
/// key again for every token it signs). RSA signs with `ring`, whose assembly does
/// the private-key operation about ten times faster than the pure-Rust `rsa` crate
/// (which still generates the keys and publishes them).
enum SigningMaterial {
    Ed(Box<SigningKey>),
    Rsa(Box<ring::signature::RsaKeyPair>),
}

struct KeyMaterial {
    kid: String,
    alg: Algorithm,
    /// When it starts signing (Unix µs); it verifies from the moment it is loaded.
    activates_at: Micros,
    signing: SigningMaterial,
    decoding: DecodingKey,
    /// The public key as published in the JWKS.
    jwk: serde_json::Value,
    /// Ed25519 keys: the HMAC key that seals the hosted page's forms
    /// ([`KeyRing::form_key`]), derived from the private key, so every replica has it.
    form_key: Option<[u8; 32]>,
}

/// The form key of an Ed25519 key: HMAC-SHA256 of a fixed label under its seed, which
/// reveals nothing of the seed and is nothing a signature could be mistaken for.
fn derive_form_key(sk: &SigningKey) -> Option<[u8; 32]> {
    let mut mac = Hmac::<Sha256>::new_from_slice(&sk.to_bytes()).ok()?;
    mac.update(b"openstaff hosted sign-in form key v1");
    Some(mac.finalize().into_bytes().into())
}

/// The JOSE header of the tokens this server signs.
#[derive(Serialize)]
struct JwsHeader<'a> {
    alg: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    typ: Option<&'a str>,
    kid: &'a str,
}

impl KeyMaterial {
    fn from_signing_key(
        kid: String,
        activates_at: Micros,
        sk: &SigningKey,
    ) -> anyhow::Result<Self> {
        let public = sk.verifying_key().to_bytes();
        let jwk = serde_json::json!({
            "kty": "OKP",
            "crv": "Ed25519",
            "x": URL_SAFE_NO_PAD.encode(public),
            "kid": kid,
            "alg": "EdDSA",
            "use": "sig",
        });
        Ok(KeyMaterial {
            kid,
            alg: Algorithm::EdDSA,
            activates_at,
            form_key: derive_form_key(sk),
            signing: SigningMaterial::Ed(Box::new(sk.clone())),
            decoding: DecodingKey::from_ed_der(&public),
            jwk,
        })
    }

    fn from_rsa_key(
        kid: String,
        activates_at: Micros,
        sk: RsaPrivateKey,
        pkcs8: &[u8],
    ) -> anyhow::Result<Self> {
        let pair = ring::signature::RsaKeyPair::from_pkcs8(pkcs8)
            .map_err(|e| anyhow::anyhow!("stored RSA key is invalid: {e}"))?;
        let n = URL_SAFE_NO_PAD.encode(sk.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(sk.e().to_bytes_be());
        let jwk = serde_json::json!({
            "kty": "RSA",
            "n": n,
            "e": e,
            "kid": kid,
            "alg": "RS256",
            "use": "sig",
        });
        let decoding = DecodingKey::from_rsa_components(&n, &e)?;
        Ok(KeyMaterial {
            kid,
            alg: Algorithm::RS256,
            activates_at,
            signing: SigningMaterial::Rsa(Box::new(pair)),
            decoding,
            jwk,
            form_key: None,
        })
    }

    fn from_row(row: &KeyRow) -> anyhow::Result<Self> {
        let der = STANDARD
            .decode(&row.private_key)
            .context("stored signing key is not base64")?;
        match row.algorithm.as_str() {
            "RS256" => {
                let sk = RsaPrivateKey::from_pkcs8_der(&der)
                    .map_err(|e| anyhow::anyhow!("stored RSA key is invalid: {e}"))?;
                Self::from_rsa_key(row.kid.clone(), row.activates_at, sk, &der)
            }
            _ => {
                let sk = SigningKey::from_pkcs8_der(&der)
                    .map_err(|e| anyhow::anyhow!("stored signing key is invalid: {e}"))?;
                Self::from_signing_key(row.kid.clone(), row.activates_at, &sk)
            }
        }
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

/// The signing keys in use: for each algorithm the newest active one signs, all verify.
pub struct KeyRing {
    keys: RwLock<Vec<Arc<KeyMaterial>>>,
    store: Store,
    /// The Ed25519 key from `--signing-key-file`, which replaces the database's.
    file_key: Option<Arc<KeyMaterial>>,
    pub issuer: String,
    pub audience: String,
    pub ttl_secs: u64,
    /// Access tokens whose signature and claims already verified: see [`Verified`].
    verified: Verified,
}

/// How many verified access tokens [`Verified`] remembers.
const VERIFIED_CAPACITY: usize = 4096;

/// Access tokens whose signature already verified, by the SHA-256 of the whole token
/// (the token itself is never kept), with the key that signed them, so a token sent
/// again costs a hash instead of an Ed25519 check. An entry is good only while its
/// key is still in the ring, and exp and nbf are judged again at every use; the
/// caller still checks the user's token version and state on every request. Bounded:
/// when full, the expired entries go, and if none has, all of them.
struct Verified(Mutex<HashMap<[u8; 32], VerifiedEntry>>);

/// The id of the key that signed a verified token, and its claims.
type VerifiedEntry = (Arc<str>, Claims);

impl Verified {
    fn new() -> Verified {
        Verified(Mutex::new(HashMap::new()))
    }

    fn get(&self, digest: &[u8; 32]) -> Option<VerifiedEntry> {
        self.0.lock().ok()?.get(digest).cloned()
    }

    fn insert(&self, digest: [u8; 32], kid: Arc<str>, claims: Claims, now: Micros) {
        let Ok(mut map) = self.0.lock() else { return };
        if map.len() >= VERIFIED_CAPACITY {
            let now = now.unix_seconds();
            map.retain(|_, (_, c)| now < c.exp.saturating_add(LEEWAY_SECS));
            if map.len() >= VERIFIED_CAPACITY {
                map.clear();
            }
        }
        map.insert(digest, (kid, claims));
    }
}

fn kid_for(public: &[u8]) -> String {
    let digest = Sha256::digest(public);
    URL_SAFE_NO_PAD.encode(&digest[..12])
}

impl KeyRing {
    /// Loads the key file and the database keys, creating a key of each algorithm
    /// the database lacks (first start, or the first start of a version that added
    /// the algorithm).
    pub async fn load(
        store: &Store,
        key_file: Option<&Path>,
        issuer: String,
        audience: String,
        ttl_secs: u64,
        now: Micros,
    ) -> anyhow::Result<KeyRing> {
        let file_key = match key_file {
            Some(path) => {
                let pem = std::fs::read_to_string(path)
                    .with_context(|| format!("reading signing key file {}", path.display()))?;
                let sk = SigningKey::from_pkcs8_pem(&pem).map_err(|e| {
                    anyhow::anyhow!("{} is not a PKCS#8 Ed25519 key: {e}", path.display())
                })?;
                let kid = kid_for(&sk.verifying_key().to_bytes());
                Some(Arc::new(KeyMaterial::from_signing_key(
                    kid,
                    Micros::EPOCH,
                    &sk,
                )?))
            }
            None => None,
        };
        let rows = keys::active_keys(store.reader(), now).await?;
        for alg in ALGORITHMS {
            let from_file = alg == Algorithm::EdDSA && file_key.is_some();
            if !from_file && !rows.iter().any(|r| r.algorithm == alg_name(alg)) {
                generate_into(store, now, now, alg).await?;
            }
        }
        let ring = KeyRing {
            keys: RwLock::new(Vec::new()),
            store: store.clone(),
            file_key,
            issuer,
            audience,
            ttl_secs,
            verified: Verified::new(),
        };
        ring.reload(now).await?;
        Ok(ring)
    }

    /// A ring without keys, for the command line, which signs and verifies nothing (it
    /// makes its changes through the services, never through tokens).
    pub fn none(store: &Store) -> KeyRing {
        KeyRing {
            keys: RwLock::new(Vec::new()),
            store: store.clone(),
            file_key: None,
            issuer: String::new(),
            audience: String::new(),
            ttl_secs: 0,
            verified: Verified::new(),
        }
    }

    /// The key of `alg` that signs at `now`: the latest one already active.
    fn signing(&self, alg: Algorithm, now: Micros) -> Option<Arc<KeyMaterial>> {
        let keys = self.keys.read().ok()?;
        let mut of_alg = keys.iter().filter(|k| k.alg == alg);
        of_alg
            .clone()
            .find(|k| k.activates_at <= now)
            .or_else(|| of_alg.next_back())
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
    /// replica may have rotated). Keys already loaded are kept as they are, so only a
    /// new key is parsed (an RSA key takes milliseconds).
    pub async fn reload(&self, now: Micros) -> anyhow::Result<()> {
        let rows = keys::active_keys(self.store.reader(), now).await?;
        let loaded: Vec<Arc<KeyMaterial>> = self.keys.read().map(|k| k.clone()).unwrap_or_default();
        let mut keys = Vec::with_capacity(rows.len() + 1);
        if let Some(k) = &self.file_key {
            keys.push(k.clone());
        }
        for r in &rows {
            if self.file_key.is_some() && r.algorithm == "EdDSA" {
                continue;
            }
            let same = loaded
                .iter()
                .find(|k| k.kid == r.kid && k.activates_at == r.activates_at);
            match same {
                Some(k) => keys.push(k.clone()),
                None => keys.push(Arc::new(KeyMaterial::from_row(r)?)),
            }
        }
        for alg in ALGORITHMS {
            if !keys.iter().any(|k| k.alg == alg) {
                anyhow::bail!("no {} signing key in the database", alg_name(alg));
            }
        }
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
            scope: None,
            gid: None,
            client_id: None,
            // `POST /auth/token` takes a password and nothing else.
            amr: vec!["pwd".to_owned()],
            auth_time: Some(now_secs),
            idtyp: None,
        };
        self.sign(Algorithm::EdDSA, None, &claims, now)
    }

    /// Signs `claims` with the current key of `alg` (`typ` in the header if given): a
    /// compact JWS, as `jsonwebtoken::encode` would make it, with the key parsed once.
    pub fn sign<T: Serialize>(
        &self,
        alg: Algorithm,
        typ: Option<&str>,
        claims: &T,
        now: Micros,
    ) -> anyhow::Result<String> {
        let key = self.signing(alg, now).context("no signing key loaded")?;
        let header = JwsHeader {
            alg: alg_name(alg),
            // As `jsonwebtoken::Header::new` has it unless told otherwise.
            typ: Some(typ.unwrap_or("JWT")),
            kid: &key.kid,
        };
        let mut token = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header)?);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(serde_json::to_vec(claims)?, &mut token);
        let signature = match &key.signing {
            SigningMaterial::Ed(sk) => {
                use ed25519_dalek::Signer;
                sk.sign(token.as_bytes()).to_bytes().to_vec()
            }
            // ring blinds the private-key operation.
            SigningMaterial::Rsa(pair) => {
                let mut sig = vec![0; pair.public().modulus_len()];
                pair.sign(
                    &ring::signature::RSA_PKCS1_SHA256,
                    &ring::rand::SystemRandom::new(),
                    token.as_bytes(),
                    &mut sig,
                )
                .map_err(|_| anyhow::anyhow!("RSA signing failed"))?;
                sig
            }
        };
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(signature, &mut token);
        Ok(token)
    }

    /// The key that seals the hosted page's forms at `now`: the current Ed25519 key's
    /// form key, with that key's id.
    pub fn form_key(&self, now: Micros) -> Option<(String, [u8; 32])> {
        let key = self.signing(Algorithm::EdDSA, now)?;
        Some((key.kid.clone(), key.form_key?))
    }

    /// The form key of the Ed25519 key `kid`, while that key still verifies (another
    /// replica may have rotated one in since this one loaded its keys).
    pub async fn form_key_by_id(&self, kid: &str, now: Micros) -> Option<[u8; 32]> {
        let key = match self.find(kid) {
            Some(k) => k,
            None => {
                self.reload(now).await.ok()?;
                self.find(kid)?
            }
        };
        key.form_key
    }

    /// Checks the signature of a token of `alg` by one of our keys and decodes it,
    /// with `validation` (whose algorithm list is pinned to `alg`).
    pub async fn decode<T: DeserializeOwned>(
        &self,
        token: &str,
        alg: Algorithm,
        mut validation: Validation,
        now: Micros,
    ) -> Result<T, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.alg != alg {
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
        if key.alg != alg {
            return Err(TokenError::Invalid);
        }
        validation.algorithms = vec![alg];
        jsonwebtoken::decode::<T>(token, &key.decoding, &validation)
            .map(|d| d.claims)
            .map_err(|_| TokenError::Invalid)
    }

    /// Validation of an EdDSA access token from `issuer` for `audience`; exp and nbf
    /// are checked by the caller against the app's clock.
    pub fn access_validation(issuer: &str, audience: Option<&str>) -> Validation {
        let mut v = Validation::new(Algorithm::EdDSA);
        v.algorithms = vec![Algorithm::EdDSA];
        v.validate_exp = false;
        v.validate_nbf = false;
        v.leeway = 0;
        match audience {
            Some(aud) => v.set_audience(&[aud]),
            None => v.validate_aud = false,
        }
        v.set_issuer(&[issuer]);
        v.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        v
    }

    /// Checks exp and nbf of verified claims against `now` (with [`LEEWAY_SECS`]).
    pub fn check_times(claims: &Claims, now: Micros) -> Result<(), TokenError> {
        let now = now.unix_seconds();
        if now >= claims.exp.saturating_add(LEEWAY_SECS) {
            return Err(TokenError::Expired);
        }
        if claims.nbf > now.saturating_add(LEEWAY_SECS) {
            return Err(TokenError::NotYetValid);
        }
        Ok(())
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
    /// A token verified before is taken from a small cache ([`Verified`]) while the
    /// key that signed it is still in the ring.
    pub async fn verify(&self, token: &str, now: Micros) -> Result<Claims, TokenError> {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        if let Some((kid, claims)) = self.verified.get(&digest) {
            if self.find(&kid).is_some() {
                Self::check_times(&claims, now)?;
                return Ok(claims);
            }
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Invalid)?;
        let claims: Claims = self
            .decode(token, Algorithm::EdDSA, self.validation(), now)
            .await?;
        Self::check_times(&claims, now)?;
        if let Some(kid) = header.kid {
            self.verified
                .insert(digest, Arc::from(kid), claims.clone(), now);
        }
        Ok(claims)
    }

    /// The public keys as a JWK set.
    pub fn jwks(&self) -> serde_json::Value {
        let keys: Vec<serde_json::Value> = self
            .keys
            .read()
            .map(|keys| keys.iter().map(|k| k.jwk.clone()).collect())
            .unwrap_or_default();
        serde_json::json!({ "keys": keys })
    }
}

/// Generates a new key of `alg` (Ed25519 or RSA) that signs from `activates_at`, and
/// stores it.
pub async fn generate_into(
    store: &Store,
    now: Micros,
    activates_at: Micros,
    alg: Algorithm,
) -> anyhow::Result<String> {
    let (kid, private_der, public) = match alg {
        Algorithm::RS256 => {
            // Generating an RSA key takes a while; keep it off the async workers.
            let sk = tokio::task::spawn_blocking(|| {
                RsaPrivateKey::new(&mut rsa::rand_core::OsRng, RSA_BITS)
            })
            .await
            .context("RSA key generation stopped")??;
            let der = sk
                .to_pkcs8_der()
                .map_err(|e| anyhow::anyhow!("encoding RSA key: {e}"))?;
            let public = sk
                .to_public_key()
                .to_pkcs1_der()
                .map_err(|e| anyhow::anyhow!("encoding RSA public key: {e}"))?;
            (
                kid_for(public.as_bytes()),
                der.as_bytes().to_vec(),
                public.as_bytes().to_vec(),
            )
        }
        _ => {
            let mut seed = [0u8; 32];
            OsRng.fill_bytes(&mut seed);
            let sk = SigningKey::from_bytes(&seed);
            let der = sk
                .to_pkcs8_der()
                .map_err(|e| anyhow::anyhow!("encoding signing key: {e}"))?;
            let public = sk.verifying_key().to_bytes();
            (kid_for(&public), der.as_bytes().to_vec(), public.to_vec())
        }
    };
    let row = KeyRow {
        kid,
        algorithm: alg_name(alg).to_owned(),
        private_key: STANDARD.encode(private_der),
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

/// Rotates the signing keys, one of each algorithm: the new keys are published at
/// once and sign after `publish_for_us` (so verifiers that cache the JWKS learn them
/// first); the keys they replace keep verifying until the tokens they signed have
/// expired. Returns the new key ids, when they sign and until when the old verify.
pub async fn rotate(
    store: &Store,
    now: Micros,
    publish_for: Span,
    token_ttl_secs: u64,
) -> anyhow::Result<(Vec<String>, Micros, Micros)> {
    let activates_at = now + publish_for;
    let retire_at = activates_at + Span::seconds(token_ttl_secs.saturating_add(LEEWAY_SECS));
    let mut kids = Vec::new();
    for alg in ALGORITHMS {
        let kid = generate_into(store, now, activates_at, alg).await?;
        let mut tx = store.begin().await?;
        keys::retire_others(&mut tx, &kid, alg_name(alg), retire_at).await?;
        tx.commit().await?;
        kids.push(kid);
    }
    Ok((kids, activates_at, retire_at))
}

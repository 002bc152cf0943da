//! The authorization request waiting on the hosted sign-in page, carried by the page's
//! own form instead of a database row: the authorization endpoint writes nothing, so
//! showing the page costs one read (the application) and no write.
//!
//! The form's `request` field is `v1.{kid}.{payload}.{mac}`: the request as JSON
//! (base64url) and its HMAC-SHA256 under a key derived from the Ed25519 signing key
//! `kid` (see [`crate::auth::tokens::KeyRing::form_key`]), which every replica shares
//! through the database. The request names its client, redirect URI, scope, state,
//! nonce and PKCE challenge as checked by the authorization endpoint, when it expires
//! (15 minutes after the page was first shown), the SHA-256 of the browser's CSRF
//! secret (so only the browser holding that cookie can post it) and, after a
//! temporary password, whose password must change (with the user's token version
//! then: the change moves it on, so the same form cannot change it twice), and in the
//! same way whose code from an authenticator app is awaited, whose app is being
//! enrolled (the admin policy), whose badge's PIN is awaited, whether the second
//! factor was passed, and how (a passkey; a badge and PIN), and a self-service
//! password reset's progress.
//!
//! The form is single use where it matters: signing in through it records its id
//! ([`crate::store::oidc::spend_request`]) in the transaction that starts the session,
//! so one form never yields two sign-ins or two codes.

use crate::auth::hashes_equal;
use crate::auth::tokens::KeyRing;
use crate::time::Micros;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use shared::{ApplicationId, UserId};

const VERSION: &str = "v1";

/// An instant in the form as the store keeps it: microseconds since the epoch.
mod as_micros {
    use crate::time::Micros;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Micros, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(t.as_micros())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Micros, D::Error> {
        i64::deserialize(d).map(Micros::from_micros)
    }
}

/// A verified authorization request, as the hosted page's form carries it.
#[derive(Clone, Serialize, Deserialize)]
pub struct PendingRequest {
    /// Random; recorded when the form is used, so it is used once.
    pub id: String,
    pub client_id: ApplicationId,
    pub redirect_uri: String,
    /// As stored on a code: the known scopes in their canonical order.
    pub scope: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    pub code_challenge: String,
    /// SHA-256 of the browser's CSRF secret.
    pub csrf_hash: String,
    #[serde(with = "as_micros")]
    pub expires_at: Micros,
    /// Signed in with a temporary password: (user, token version), who must now
    /// choose a new one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_change: Option<(UserId, i64)>,
    /// The password was right and a code from an authenticator app must follow:
    /// (user, token version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_for: Option<(UserId, i64)>,
    /// The admin policy's enrolment of a first authenticator app: (user, token
    /// version, the method being enrolled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrolling: Option<(UserId, i64, String)>,
    /// A sign-in badge was scanned and its PIN is to follow: (user, token version,
    /// badge id). Never the badge's credential.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub badge_for: Option<(UserId, i64, String)>,
    /// A second factor was passed: the sign-in is `pwd otp mfa`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub second_factor: bool,
    /// How the sign-in was proved when it was not `pwd` or `pwd otp mfa` (a
    /// passkey: `hwk user mfa` alone, `pwd hwk user mfa` after the password).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amr: Option<String>,
    /// A code by text message was sent (`service::text_codes`) and is awaited: the
    /// sign-in name it was asked for and the id of its code row (the challenge). Its
    /// purpose is the code row's: a self-service reset or an SMS sign-in
    /// (`service::sspr`) at the start, the second factor while `code_for` is set.
    #[serde(default, alias = "reset_code", skip_serializing_if = "Option::is_none")]
    pub text_code: Option<(String, String)>,
    /// Self-service password reset: the code was right; (user, token version) now
    /// chooses a new password (the reset moves the version on, so once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset_for: Option<(UserId, i64)>,
}

impl std::fmt::Debug for PendingRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingRequest")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// Why a form's request was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// Not one this server made, or altered.
    Invalid,
    /// Made by a key that no longer verifies, or past its 15 minutes.
    Expired,
}

fn mac_of(key: &[u8; 32], signed: &str) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
    mac.update(signed.as_bytes());
    Some(mac)
}

impl PendingRequest {
    /// The form value: the request and its MAC under the current form key.
    pub fn seal(&self, keys: &KeyRing, now: Micros) -> anyhow::Result<String> {
        let (kid, key) = keys
            .form_key(now)
            .ok_or_else(|| anyhow::anyhow!("no form key loaded"))?;
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(self)?);
        let signed = format!("{VERSION}.{kid}.{payload}");
        let mac = mac_of(&key, &signed).ok_or_else(|| anyhow::anyhow!("bad form key"))?;
        let tag = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        Ok(format!("{signed}.{tag}"))
    }

    /// The request a form carried, if this server made it, unaltered, and it has not
    /// expired at `now`.
    pub async fn open(keys: &KeyRing, value: &str, now: Micros) -> Result<Self, Refused> {
        if value.len() > 16_384 {
            return Err(Refused::Invalid);
        }
        let (signed, tag) = value.rsplit_once('.').ok_or(Refused::Invalid)?;
        let mut parts = signed.splitn(3, '.');
        let (Some(VERSION), Some(kid), Some(payload)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(Refused::Invalid);
        };
        let key = keys
            .form_key_by_id(kid, now)
            .await
            .ok_or(Refused::Expired)?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| Refused::Invalid)?;
        mac_of(&key, signed)
            .ok_or(Refused::Invalid)?
            .verify_slice(&tag)
            .map_err(|_| Refused::Invalid)?;
        let json = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| Refused::Invalid)?;
        let request: PendingRequest =
            serde_json::from_slice(&json).map_err(|_| Refused::Invalid)?;
        if request.expires_at <= now {
            return Err(Refused::Expired);
        }
        Ok(request)
    }

    /// Whether the form is at its first step: nobody proved who they are yet (not
    /// even in part: a password before its second factor, a badge before its PIN) and
    /// no reset or SMS sign-in is under way.
    pub fn at_start(&self) -> bool {
        self.text_code.is_none() && self.before_text_code()
    }

    /// Whether the form is at its first step, or at the code step of a reset or SMS
    /// sign-in begun there (`text_code` set, nothing else): the only places those
    /// flows' forms are taken.
    pub fn before_text_code(&self) -> bool {
        self.password_change.is_none()
            && self.code_for.is_none()
            && self.enrolling.is_none()
            && self.badge_for.is_none()
            && !self.second_factor
            && self.amr.is_none()
            && self.reset_for.is_none()
    }

    /// Whether `csrf` (the form's field, equal to the browser's cookie) is the secret
    /// this request was bound to.
    pub fn bound_to(&self, csrf: &str) -> bool {
        hashes_equal(&crate::auth::secret_hash(csrf), &self.csrf_hash)
    }
}

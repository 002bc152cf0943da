//! One-time codes by text message (issue 14): 8 digits, good for 5 minutes and 3
//! tries, used once; sent to the account's mobile number for a self-service password
//! reset, an SMS sign-in or a second factor.
//!
//! Asking for a code never says whether the sign-in name is an account, or whether
//! it has a mobile number: every request writes a code row (one no code matches when
//! there is nobody to text) under the same rate limits, and the page that follows is
//! the same. Only a keyed MAC of a code is stored (HMAC-SHA256 under the form key, so
//! a copy of the database alone cannot try the 10^8 codes), and the message, sealed in
//! the SMS outbox, is the only place the code exists.
//!
//! Requests are rate-limited in the database (so across replicas) per client address,
//! per sign-in name typed, per account and per number.

use crate::audit::Initiator;
use crate::auth::hashes_equal;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::codes::CodeRow;
use crate::store::StoreError;
use crate::time::{Micros, Span};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use shared::UserId;

/// How long a code is good for.
pub const CODE_TTL: Span = Span::minutes(5);
/// Wrong tries a code allows; the next one needs a new code.
pub const MAX_ATTEMPTS: i64 = 3;
/// The window of the per-number, per-account and per-name limits.
const RATE_WINDOW: Span = Span::HOUR;

/// What a code is for; a code for one purpose is never accepted for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Self-service password reset.
    Reset,
    /// Signing in with the code alone (`amr` `sms`).
    SignIn,
    /// The second step after the password (`amr` `pwd sms mfa`).
    SecondFactor,
}

impl Purpose {
    pub const fn id(self) -> &'static str {
        match self {
            Purpose::Reset => "reset",
            Purpose::SignIn => "sign_in",
            Purpose::SecondFactor => "second_factor",
        }
    }
}

/// The languages the messages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    English,
    French,
    German,
    Spanish,
}

impl Language {
    /// The first language of an `Accept-Language` header the messages are written
    /// in; English otherwise.
    pub fn from_accept_language(header: Option<&str>) -> Language {
        let Some(header) = header else {
            return Language::English;
        };
        let mut ranked: Vec<(f32, &str)> = header
            .split(',')
            .filter_map(|part| {
                let mut bits = part.trim().split(';');
                let tag = bits.next()?.trim();
                let q = bits
                    .find_map(|b| b.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                Some((q, tag))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranked
            .into_iter()
            .filter(|(q, _)| *q > 0.0)
            .find_map(
                |(_, tag)| match tag.split('-').next()?.to_ascii_lowercase().as_str() {
                    "en" => Some(Language::English),
                    "fr" => Some(Language::French),
                    "de" => Some(Language::German),
                    "es" => Some(Language::Spanish),
                    _ => None,
                },
            )
            .unwrap_or(Language::English)
    }
}

/// The text message carrying `code`. The last line binds the code to this server's
/// host for browsers that fill it in themselves (WebOTP's origin-bound format).
pub fn message(purpose: Purpose, code: &str, language: Language, host: Option<&str>) -> String {
    let what = match (language, purpose) {
        (Language::English, Purpose::Reset) => {
            format!("{code} is your OpenStaff code to reset your password. It expires in 5 minutes. Never share it: OpenStaff staff will never ask for it.")
        }
        (Language::English, _) => {
            format!("{code} is your OpenStaff sign-in code. It expires in 5 minutes. Never share it: OpenStaff staff will never ask for it.")
        }
        (Language::French, Purpose::Reset) => {
            format!("{code} est votre code OpenStaff pour réinitialiser votre mot de passe. Il expire dans 5 minutes. Ne le communiquez à personne.")
        }
        (Language::French, _) => {
            format!("{code} est votre code de connexion OpenStaff. Il expire dans 5 minutes. Ne le communiquez à personne.")
        }
        (Language::German, Purpose::Reset) => {
            format!("{code} ist Ihr OpenStaff-Code zum Zurücksetzen Ihres Passworts. Er läuft in 5 Minuten ab. Geben Sie ihn nicht weiter.")
        }
        (Language::German, _) => {
            format!("{code} ist Ihr OpenStaff-Anmeldecode. Er läuft in 5 Minuten ab. Geben Sie ihn nicht weiter.")
        }
        (Language::Spanish, Purpose::Reset) => {
            format!("{code} es su código de OpenStaff para restablecer su contraseña. Caduca en 5 minutos. No lo comparta.")
        }
        (Language::Spanish, _) => {
            format!("{code} es su código de inicio de sesión de OpenStaff. Caduca en 5 minutos. No lo comparta.")
        }
    };
    match host {
        Some(host) => format!("{what}\n\n@{host} #{code}"),
        None => what,
    }
}

/// A new code: 8 digits, uniformly drawn.
fn new_code() -> String {
    use rand::Rng;
    format!("{:08}", rand::rng().random_range(0..100_000_000u32))
}

/// What a code's row keeps: `kid.mac`, the MAC of (row id, code) under the form key
/// `kid`.
fn code_mac(state: &AppState, id: &str, code: &str, now: Micros) -> ApiResult<String> {
    let (kid, key) = state
        .keys
        .form_key(now)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no form key loaded")))?;
    Ok(format!("{kid}.{}", mac(&key, id, code)?))
}

fn mac(key: &[u8; 32], id: &str, code: &str) -> ApiResult<String> {
    let mut m = Hmac::<Sha256>::new_from_slice(key)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("form key: {e}")))?;
    m.update(b"openstaff one-time code\0");
    m.update(id.as_bytes());
    m.update(b"\0");
    m.update(code.as_bytes());
    Ok(URL_SAFE_NO_PAD.encode(m.finalize().into_bytes()))
}

/// A rate-limit key that names a person or a number without holding it in clear.
fn keyed(state: &AppState, kind: &str, value: &str, now: Micros) -> ApiResult<String> {
    let (_, key) = state
        .keys
        .form_key(now)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no form key loaded")))?;
    Ok(format!("sms:{kind}:{}", mac(&key, kind, value)?))
}

/// Who a code goes to: the account and its mobile number (E.164). `None` sends
/// nothing, yet answers the same.
pub struct Recipient<'a> {
    pub user: UserId,
    pub number: &'a str,
}

/// Makes a code for `purpose`, texting it to `to` when there is someone to text, in
/// one transaction with its rate limits; returns the id of the code row (the form's
/// challenge), or 429 `rate_limited` when a limit is reached. `name` is the sign-in
/// name as typed (limited too, whether or not it is an account).
pub async fn send(
    state: &AppState,
    who: &Initiator,
    purpose: Purpose,
    name: &str,
    to: Option<Recipient<'_>>,
    language: Language,
) -> ApiResult<String> {
    let now = state.now();
    let ip = who.ip.clone().unwrap_or_else(|| "unknown".to_owned());
    let per_hour = i64::from(state.policy.sms_rate_per_hour);
    let mut limits = vec![
        (
            format!("sms:ip:{ip}"),
            i64::from(state.policy.sms_rate_per_ip_per_hour),
        ),
        (
            keyed(state, "name", &name.trim().to_lowercase(), now)?,
            per_hour,
        ),
    ];
    if let Some(r) = &to {
        limits.push((keyed(state, "user", &r.user.to_string(), now)?, per_hour));
        limits.push((keyed(state, "number", r.number, now)?, per_hour));
    }
    let id = state.new_id();
    let code = new_code();
    let row = CodeRow {
        id: id.clone(),
        user_id: to.as_ref().map(|r| r.user),
        purpose: purpose.id().to_owned(),
        code_mac: match &to {
            Some(_) => code_mac(state, &id, &code, now)?,
            // Matches no code: the MAC of a code that was never made.
            None => code_mac(state, &id, &crate::auth::random_secret(), now)?,
        },
        created_at: now,
        expires_at: now + CODE_TTL,
        attempts: 0,
        used_at: None,
    };
    let mut tx = state.store.begin().await?;
    for (key, limit) in &limits {
        let limited =
            crate::store::accounts::hit_rate_limit(&mut tx, key, now, RATE_WINDOW, *limit).await?;
        if let Some(retry_after_secs) = limited {
            tx.commit().await.map_err(StoreError::Other)?;
            return Err(ApiError::RateLimited { retry_after_secs });
        }
    }
    if let Some(r) = &to {
        // A new code replaces the earlier ones.
        crate::store::codes::spend_all(&mut *tx, r.user, purpose.id(), now).await?;
    }
    crate::store::codes::insert(&mut tx, &row).await?;
    if let Some(r) = &to {
        let host = url::Url::parse(&state.provider.issuer)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned));
        let body = message(purpose, &code, language, host.as_deref());
        crate::sms::enqueue(&mut tx, state, r.number, &body).await?;
    }
    tx.commit().await.map_err(StoreError::Other)?;
    if to.is_some() {
        state.sms.wake();
    }
    Ok(id)
}

/// How a typed code fared.
#[derive(Debug, PartialEq, Eq)]
pub enum Checked {
    /// Right: the code is spent; whose it was.
    Accepted(UserId),
    /// Not right; this many tries are left.
    Wrong { left: i64 },
    /// Past its 5 minutes, used, out of tries, or not a code this form asked for: a
    /// new code is needed.
    NeedsNewCode,
}

/// Normalises a typed code: digits only (spaces and dashes dropped), 8 of them.
fn normalise(typed: &str) -> Option<String> {
    let digits: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    (digits.len() == 8 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// Checks `typed` against the code `challenge` made for `purpose`, counting a wrong
/// try and spending a right one in one transaction.
pub async fn check(
    state: &AppState,
    challenge: &str,
    purpose: Purpose,
    typed: &str,
) -> ApiResult<Checked> {
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let Some(row) =
        crate::store::codes::for_update(&mut tx, state.store.backend, challenge).await?
    else {
        tx.rollback().await.map_err(StoreError::Other)?;
        return Ok(Checked::NeedsNewCode);
    };
    if row.purpose != purpose.id()
        || row.used_at.is_some()
        || row.expires_at <= now
        || row.attempts >= MAX_ATTEMPTS
    {
        tx.rollback().await.map_err(StoreError::Other)?;
        return Ok(Checked::NeedsNewCode);
    }
    let right = match (normalise(typed), row.code_mac.split_once('.')) {
        (Some(code), Some((kid, stored))) => match state.keys.form_key_by_id(kid, now).await {
            Some(key) => hashes_equal(&mac(&key, &row.id, &code)?, stored),
            None => false,
        },
        _ => false,
    };
    match (right, row.user_id) {
        (true, Some(user)) => {
            let spent = crate::store::codes::spend(&mut tx, &row.id, now).await?;
            tx.commit().await.map_err(StoreError::Other)?;
            Ok(if spent {
                Checked::Accepted(user)
            } else {
                Checked::NeedsNewCode
            })
        }
        _ => {
            crate::store::codes::count_attempt(&mut tx, &row.id).await?;
            tx.commit().await.map_err(StoreError::Other)?;
            let left = MAX_ATTEMPTS - row.attempts - 1;
            Ok(if left > 0 {
                Checked::Wrong { left }
            } else {
                Checked::NeedsNewCode
            })
        }
    }
}

/// The mobile number (E.164) a code for `user` goes to, if they have one.
pub async fn mobile_of(state: &AppState, user: UserId) -> ApiResult<Option<String>> {
    let phones = crate::store::phones::phones(state.store.reader(), user).await?;
    Ok(phones
        .into_iter()
        .find(|p| p.method_type == shared::dto::PhoneType::Mobile.id())
        .map(|p| p.phone_number))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_eight_digits() {
        for _ in 0..200 {
            let c = new_code();
            assert_eq!(c.len(), 8);
            assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
    }

    #[test]
    fn typed_codes_are_normalised() {
        assert_eq!(normalise(" 1234 5678 ").as_deref(), Some("12345678"));
        assert_eq!(normalise("1234-5678").as_deref(), Some("12345678"));
        assert_eq!(normalise("1234567"), None);
        assert_eq!(normalise("12345678a"), None);
        assert_eq!(normalise("１２３４５６７８"), None);
    }

    #[test]
    fn the_message_language_follows_the_browser() {
        assert_eq!(
            Language::from_accept_language(Some("fr-FR,fr;q=0.9,en;q=0.8")),
            Language::French
        );
        assert_eq!(
            Language::from_accept_language(Some("nl;q=1, de;q=0.5")),
            Language::German
        );
        assert_eq!(
            Language::from_accept_language(Some("en;q=0.1, es;q=0.9")),
            Language::Spanish
        );
        assert_eq!(Language::from_accept_language(None), Language::English);
        let m = message(
            Purpose::Reset,
            "12345678",
            Language::English,
            Some("id.example"),
        );
        assert!(m.starts_with("12345678 is your OpenStaff code to reset your password."));
        assert!(m.ends_with("\n\n@id.example #12345678"));
    }
}

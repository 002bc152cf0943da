//! Passkeys (issue 13): discoverable WebAuthn credentials with user verification,
//! verified by `webauthn-rs`. A passkey is registered by its owner on "My account"
//! and used on the hosted sign-in page, either alone (usernameless: the
//! authenticator names the account, and its user verification is the second
//! factor) or as the second step after a password.
//!
//! The relying party is the server's public URL (`--public-url`, its host as the RP
//! id unless `--webauthn-rp-id` says otherwise); a public URL that is an IP address
//! cannot host passkeys, and every passkey endpoint then answers 409
//! `passkeys_unavailable`.
//!
//! No replica keeps a ceremony in memory: its state (the challenge, and what the
//! verifier expects) is sealed with the database's secret key
//! ([`crate::auth::secret_box`]) and carried by the client, bound to who it is for
//! (the user registering, or the sign-in page's CSRF secret) and expiring. A
//! sign-in ceremony is spent in the transaction that accepts it, so an assertion
//! works once. Challenges, ceremonies and credentials are never logged or audited;
//! only the credential's public part is stored.

use crate::audit::{self, Event, Initiator, TargetResource};
use crate::auth::{random_secret, secret_hash, AuthContext};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::accounts::Account;
use crate::store::methods::{self as rows, MethodRow};
use crate::store::StoreError;
use crate::time::{Micros, Span};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use shared::audit::Activity;
use shared::dto::{
    AuthenticationMethod, AuthenticationMethodKind, PasskeyRegistrationOptions, RegisterPasskey,
};
use shared::{ErrorCode, FieldErrorCode, UserId};
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Webauthn,
};

/// A registration must finish within this long of its options.
pub const REGISTRATION_TTL: Span = Span::minutes(10);
/// A sign-in ceremony lives as long as the hosted page's form.
const SIGN_IN_TTL: Span = Span::minutes(15);
const DEFAULT_NAME: &str = "Passkey";
const KIND: AuthenticationMethodKind = AuthenticationMethodKind::Passkey;

fn unavailable() -> ApiError {
    ApiError::conflict(
        ErrorCode::PasskeysUnavailable,
        "Passkeys need OpenStaff to be reached at a host name (its public URL is an IP address). Ask your administrator to set --public-url to a name.",
    )
}

/// The relying party, when passkeys can be used here.
pub fn verifier(state: &AppState) -> Option<&Webauthn> {
    state.provider.passkeys.as_deref()
}

/// A ceremony as the client carries it: sealed, for one purpose, until `expires_at`.
#[derive(Serialize, Deserialize)]
struct Ceremony<T> {
    /// Random: spent when a sign-in accepts it.
    id: String,
    expires_at: i64,
    /// Registration: the user; sign-in: the SHA-256 of the page's CSRF secret.
    bound_to: String,
    state: T,
}

const REGISTRATION: &str = "passkey_registration";
const SIGN_IN: &str = "passkey_sign_in";

async fn seal<T: Serialize>(state: &AppState, purpose: &str, c: &Ceremony<T>) -> ApiResult<String> {
    let json = serde_json::to_vec(c).map_err(|e| ApiError::Internal(e.into()))?;
    state
        .secrets
        .seal(&json, purpose, state.now())
        .await
        .map_err(ApiError::Internal)
}

/// The ceremony `sealed` carries, if this server sealed it for `purpose` and
/// `bound_to`, and it has not expired.
async fn open<T: for<'de> Deserialize<'de>>(
    state: &AppState,
    purpose: &str,
    sealed: &str,
    bound_to: &str,
) -> Option<Ceremony<T>> {
    if sealed.len() > 32_768 {
        return None;
    }
    let now = state.now();
    let json = state.secrets.open(sealed, purpose, now).await.ok()?;
    let c: Ceremony<T> = serde_json::from_slice(&json).ok()?;
    (c.bound_to == bound_to && Micros::from_micros(c.expires_at) > now).then_some(c)
}

fn passkey_of(row: &MethodRow) -> Option<Passkey> {
    if row.kind != KIND.id() {
        return None;
    }
    serde_json::from_str(row.credential.as_deref()?).ok()
}

fn credential_id(raw: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(raw)
}

/// The user's passkeys.
async fn passkeys_of(state: &AppState, user: UserId) -> ApiResult<Vec<Passkey>> {
    let rows = rows::confirmed_of(state.store.reader(), user).await?;
    Ok(rows.iter().filter_map(passkey_of).collect())
}

fn parse_name(raw: Option<String>) -> ApiResult<String> {
    let raw = raw.unwrap_or_default();
    let too_long = || {
        ApiError::field(
            "name",
            FieldErrorCode::TooLong,
            "The name can be at most 64 characters.",
        )
    };
    if raw.chars().count() > 64 {
        return Err(too_long());
    }
    let name = raw.trim().to_owned();
    if name.is_empty() {
        return Ok(DEFAULT_NAME.to_owned());
    }
    if name.chars().any(char::is_control) {
        return Err(ApiError::field(
            "name",
            FieldErrorCode::InvalidCharacters,
            "The name cannot contain control characters.",
        ));
    }
    Ok(name)
}

fn refused_registration() -> ApiError {
    ApiError::field(
        "credential",
        FieldErrorCode::Incorrect,
        "This passkey could not be checked: it was not made for these options, or the options expired. Ask for new options and try again.",
    )
}

/// `POST /me/authentication-methods/passkey/options`: what the browser needs to make
/// a passkey for the caller, and the sealed ceremony to send back with it.
pub async fn registration_options(
    state: &AppState,
    ctx: &AuthContext,
) -> ApiResult<PasskeyRegistrationOptions> {
    let w = verifier(state).ok_or_else(unavailable)?;
    let p = &ctx.principal;
    let now = state.now();
    let existing = rows::confirmed_of(state.store.reader(), p.id).await?;
    if existing.len() as i64 >= crate::service::mfa::MAX_METHODS {
        return Err(crate::service::mfa::too_many());
    }
    let exclude = existing
        .iter()
        .filter_map(passkey_of)
        .map(|pk| pk.cred_id().clone())
        .collect();
    let (ccr, reg) = w
        .start_passkey_registration(
            p.id.uuid(),
            &p.user_principal_name,
            &p.display_name,
            Some(exclude),
        )
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("passkey options: {e}")))?;
    // Discoverable: the authenticator keeps the account, so the passkey signs in
    // without a name typed first.
    let mut options = serde_json::to_value(&ccr).map_err(|e| ApiError::Internal(e.into()))?;
    if let Some(sel) = options
        .pointer_mut("/publicKey/authenticatorSelection")
        .and_then(serde_json::Value::as_object_mut)
    {
        sel.insert("residentKey".to_owned(), "required".into());
        sel.insert("requireResidentKey".to_owned(), true.into());
    }
    let expires_at = now + REGISTRATION_TTL;
    let ceremony = seal(
        state,
        REGISTRATION,
        &Ceremony {
            id: random_secret(),
            expires_at: expires_at.as_micros(),
            bound_to: p.id.to_string(),
            state: reg,
        },
    )
    .await?;
    Ok(PasskeyRegistrationOptions {
        ceremony,
        options,
        expires_at: expires_at.to_datetime(),
    })
}

fn method_target(user: UserId, upn: &str, name: &str, added: bool) -> TargetResource {
    let value = Some(format!("Passkey ({name})"));
    let (old, new) = if added { (None, value) } else { (value, None) };
    TargetResource::user(user, upn).with("authentication_methods", old, new)
}

/// `POST /me/authentication-methods/passkey`: the browser's new credential, checked
/// against its ceremony (challenge, origin, RP id, user verification), stored
/// (public part only) and audited "Register passkey".
pub async fn register(
    state: &AppState,
    ctx: &AuthContext,
    body: RegisterPasskey,
) -> ApiResult<AuthenticationMethod> {
    let w = verifier(state).ok_or_else(unavailable)?;
    let name = parse_name(body.name)?;
    let p = &ctx.principal;
    let Some(c) =
        open::<PasskeyRegistration>(state, REGISTRATION, &body.ceremony, &p.id.to_string()).await
    else {
        return Err(refused_registration());
    };
    let credential: RegisterPublicKeyCredential =
        serde_json::from_value(body.credential).map_err(|_| refused_registration())?;
    let passkey = w
        .finish_passkey_registration(&credential, &c.state)
        .map_err(|e| {
            tracing::info!(error = %e, "passkey registration refused");
            refused_registration()
        })?;
    let now = state.now();
    let id = state.new_id();
    let stored = serde_json::to_string(&passkey).map_err(|e| ApiError::Internal(e.into()))?;
    let row = MethodRow {
        id: id.clone(),
        user_id: p.id,
        kind: KIND.id().to_owned(),
        name: name.clone(),
        secret: String::new(),
        confirmed: true,
        created_at: now,
        last_used_at: None,
        last_used_step: 0,
        credential_id: Some(credential_id(passkey.cred_id())),
        credential: Some(stored),
    };
    let mut tx = state.store.begin().await?;
    // The same ceremony registers once.
    if !crate::store::oidc::spend_request(
        &mut tx,
        &format!("passkey:{}", c.id),
        Micros::from_micros(c.expires_at),
    )
    .await?
    {
        tx.rollback().await.map_err(StoreError::Other)?;
        return Err(refused_registration());
    }
    if rows::count_of(&mut tx, p.id).await? >= crate::service::mfa::MAX_METHODS {
        tx.rollback().await.map_err(StoreError::Other)?;
        return Err(crate::service::mfa::too_many());
    }
    match rows::insert(&mut tx, &row).await {
        Ok(()) => {}
        Err(StoreError::Conflict) => {
            tx.rollback().await.map_err(StoreError::Other)?;
            return Err(ApiError::conflict(
                ErrorCode::Conflict,
                "This passkey is registered already.",
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let event = Event::success(Activity::RegisterPasskey).target(method_target(
        p.id,
        &p.user_principal_name,
        &name,
        true,
    ));
    audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(AuthenticationMethod {
        id: id
            .parse()
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?,
        kind: KIND,
        name,
        created_at: now.to_datetime(),
        last_used_at: None,
    })
}

/// The audit line of a removed passkey.
pub fn removed_target(user: UserId, upn: &str, name: &str) -> TargetResource {
    method_target(user, upn, name, false)
}

/// What the hosted page needs to offer a passkey: the options for
/// `navigator.credentials.get()` (JSON) and the sealed ceremony.
#[derive(Clone)]
pub struct PasskeyPrompt {
    pub options: String,
    pub ceremony: String,
}

impl std::fmt::Debug for PasskeyPrompt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasskeyPrompt([redacted])")
    }
}

/// A passkey sign-in for the hosted page whose CSRF secret is `csrf`: any passkey
/// of this relying party (usernameless), or, with `user`, one of theirs (the second
/// step after a password). `None` when passkeys are unavailable here, or `user` has
/// none.
pub async fn sign_in_prompt(
    state: &AppState,
    csrf: &str,
    user: Option<UserId>,
) -> ApiResult<Option<PasskeyPrompt>> {
    let Some(w) = verifier(state) else {
        return Ok(None);
    };
    let allow = match user {
        None => Vec::<serde_json::Value>::new(),
        Some(u) => {
            let keys = passkeys_of(state, u).await?;
            if keys.is_empty() {
                return Ok(None);
            }
            keys.iter()
                .map(
                    |k| serde_json::json!({"type": "public-key", "id": credential_id(k.cred_id())}),
                )
                .collect()
        }
    };
    let (mut rcr, auth) = w
        .start_discoverable_authentication()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("passkey challenge: {e}")))?;
    // The page's button asks in a dialog, not in the name field's autofill.
    rcr.mediation = None;
    let mut options = serde_json::to_value(&rcr).map_err(|e| ApiError::Internal(e.into()))?;
    if let Some(pk) = options
        .get_mut("publicKey")
        .and_then(serde_json::Value::as_object_mut)
    {
        pk.insert("allowCredentials".to_owned(), allow.into());
    }
    let ceremony = seal(
        state,
        SIGN_IN,
        &Ceremony {
            id: random_secret(),
            expires_at: (state.now() + SIGN_IN_TTL).as_micros(),
            bound_to: secret_hash(csrf),
            state: auth,
        },
    )
    .await?;
    Ok(Some(PasskeyPrompt {
        options: options.to_string(),
        ceremony,
    }))
}

/// Why a passkey sign-in was refused, in the hosted page's words.
#[derive(Debug)]
pub enum Refusal {
    /// Not a passkey of this account, a wrong signature, an old or spent
    /// challenge, another origin.
    NotAccepted,
    /// The browser sent nothing (the person cancelled).
    Cancelled,
    Disabled,
    Locked {
        retry_after_secs: u64,
    },
}

/// A passkey sign-in that passed: whose, and how it proved it (RFC 8176).
#[derive(Debug)]
pub struct Accepted {
    pub account: Account,
    /// `hwk user` (a device-bound key) or `swk user` (a synced passkey).
    pub amr: &'static str,
}

/// Checks the hosted page's passkey assertion against its ceremony: the challenge
/// (unexpired, this page's, unspent), origin, RP id, signature and user
/// verification; the account (enabled, not locked; `expected` when the password
/// named it already). A right one spends the ceremony, moves the signature counter
/// on, clears the failed sign-ins and, when it is the whole sign-in (`expected` is
/// `None`), is audited "Sign-in" with the method; a refused one is audited as a
/// failed sign-in. Refusals do not count towards the lockout: a signature cannot
/// be guessed, and counting them would let anyone lock an account by its
/// credential id.
pub async fn check_assertion(
    state: &AppState,
    who: &Initiator,
    (ceremony, credential, csrf): (&str, &str, &str),
    expected: Option<UserId>,
    app: &TargetResource,
) -> ApiResult<Result<Accepted, Refusal>> {
    let Some(w) = verifier(state) else {
        return Ok(Err(Refusal::NotAccepted));
    };
    if credential.trim().is_empty() {
        return Ok(Err(Refusal::Cancelled));
    }
    let mut who = who.clone();
    let refuse = |who: &Initiator, account: Option<&Account>, reason: &'static str| {
        let mut event = Event::failure(Activity::SignIn, reason).target(app.clone());
        if let Some(a) = account {
            event = event.target(with_method(a));
        }
        let who = who.clone();
        async move { audit::record_alone(state, &who, event).await }
    };
    let Some(c) =
        open::<DiscoverableAuthentication>(state, SIGN_IN, ceremony, &secret_hash(csrf)).await
    else {
        refuse(&who, None, "invalid_passkey").await?;
        return Ok(Err(Refusal::NotAccepted));
    };
    let Ok(cred) = serde_json::from_str::<PublicKeyCredential>(credential) else {
        refuse(&who, None, "invalid_passkey").await?;
        return Ok(Err(Refusal::NotAccepted));
    };
    let cred_id = credential_id(cred.get_credential_id());
    let row = rows::by_credential(state.store.reader(), &cred_id).await?;
    let owner = row.as_ref().map(|r| r.user_id);
    // The authenticator's user handle, when it sends one, names the same account.
    let handle_ok = match cred.get_user_unique_id() {
        None => expected.is_some(),
        Some(h) => owner.is_some_and(|o| o.uuid().as_bytes().as_slice() == h),
    };
    let (Some(row), true) = (row, handle_ok) else {
        refuse(&who, None, "invalid_passkey").await?;
        return Ok(Err(Refusal::NotAccepted));
    };
    let Some(mut passkey) = passkey_of(&row) else {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "unreadable passkey row"
        )));
    };
    let account = crate::store::accounts::read(state.store.reader(), row.user_id).await?;
    let Some(account) = account else {
        return Ok(Err(Refusal::NotAccepted));
    };
    who.user_id = Some(account.id.to_string());
    who.user_principal_name = Some(account.user_principal_name.clone());
    if expected.is_some_and(|u| u != account.id) {
        refuse(&who, Some(&account), "invalid_passkey").await?;
        return Ok(Err(Refusal::NotAccepted));
    }
    let now = state.now();
    if account.locked_until > now {
        refuse(&who, Some(&account), ErrorCode::AccountLocked.as_str()).await?;
        return Ok(Err(Refusal::Locked {
            retry_after_secs: (account.locked_until - now).retry_after_secs(),
        }));
    }
    if !account.account_enabled {
        refuse(&who, Some(&account), ErrorCode::AccountDisabled.as_str()).await?;
        return Ok(Err(Refusal::Disabled));
    }
    let result = match w.finish_discoverable_authentication_v2(&cred, c.state, &passkey) {
        Ok(r) if r.user_verified() => r,
        Ok(_) | Err(_) => {
            refuse(&who, Some(&account), "invalid_passkey").await?;
            return Ok(Err(Refusal::NotAccepted));
        }
    };
    passkey.update_credential(&result);
    let stored = serde_json::to_string(&passkey).map_err(|e| ApiError::Internal(e.into()))?;
    let amr = if result.backup_eligible() {
        "swk user"
    } else {
        "hwk user"
    };
    let mut tx = state.store.begin().await?;
    if !crate::store::oidc::spend_request(
        &mut tx,
        &format!("passkey:{}", c.id),
        Micros::from_micros(c.expires_at),
    )
    .await?
    {
        tx.rollback().await.map_err(StoreError::Other)?;
        refuse(&who, Some(&account), "invalid_passkey").await?;
        return Ok(Err(Refusal::NotAccepted));
    }
    rows::use_passkey(&mut tx, &row.id, &stored, now).await?;
    crate::store::accounts::clear_failures(&mut tx, account.id).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(Ok(Accepted { account, amr }))
}

/// The account as a refused sign-in's target, naming the method.
fn with_method(a: &Account) -> TargetResource {
    TargetResource::user(a.id, &a.user_principal_name).with(
        "authentication_methods",
        None,
        Some("Passkey".to_owned()),
    )
}

/// Whether the user holds a passkey.
pub async fn has_passkey(state: &AppState, user: UserId) -> ApiResult<bool> {
    Ok(!passkeys_of(state, user).await?.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_default_and_are_bounded() {
        assert_eq!(parse_name(None).unwrap(), "Passkey");
        assert_eq!(parse_name(Some("  Laptop ".into())).unwrap(), "Laptop");
        assert!(parse_name(Some("x".repeat(65))).is_err());
        assert!(parse_name(Some("a\u{7}b".into())).is_err());
    }
}

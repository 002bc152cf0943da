//! Authentication methods beyond the password (issue 13): in this increment,
//! authenticator apps (TOTP, RFC 6238: 30-second steps, 6 digits, HMAC-SHA-1, the
//! codes of the step before and after accepted for clock drift). The seed is made
//! here (160 random bits), shown once at enrolment (base32, `otpauth://` URI and its
//! QR code as SVG), and kept sealed ([`crate::auth::secret_box`]). A method counts
//! once confirmed with a code within ten minutes; each code works once (the last
//! accepted step is kept per method). Codes and seeds are never logged, audited or
//! echoed in an error.

use crate::audit::{self, Event, Initiator, TargetResource};
use crate::auth::AuthContext;
use crate::error::{ApiError, ApiResult};
use crate::service::authz::{require_reader, subject};
use crate::state::AppState;
use crate::store::methods::{self as rows, MethodRow};
use crate::store::StoreError;
use crate::time::{Micros, Span};
use shared::audit::Activity;
use shared::dto::{
    AuthenticationMethod, AuthenticationMethodKind, AuthenticationMethodSummary, Page,
    RegisterTotp, RemoveMethod, TotpEnrolment, VerifyCode,
};
use shared::{ErrorCode, FieldErrorCode, UserId};
use totp_rs::{Algorithm, Builder, Totp};

/// What authenticator apps show as the account's issuer.
const ISSUER: &str = "OpenStaff";
/// An enrolment not confirmed within this long no longer counts (and is dropped).
pub const ENROLMENT_TTL: Span = Span::minutes(10);
/// Methods one user may hold (confirmed or waiting), passkeys included.
pub const MAX_METHODS: i64 = 10;

/// The answer when the user holds [`MAX_METHODS`] already.
pub fn too_many() -> ApiError {
    ApiError::conflict(
        ErrorCode::Conflict,
        format!("You can have at most {MAX_METHODS} authentication methods. Remove one first."),
    )
}
const DEFAULT_NAME: &str = "Authenticator app";

/// The seed's additional data: it opens only on its own row.
fn aad(user: UserId, id: &str) -> String {
    format!("authentication_method:{user}:{id}")
}

fn totp(seed: Vec<u8>, account: &str) -> anyhow::Result<Totp> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_skew(1)
        .with_secret(seed)
        .with_account_name(account.replace(':', "_"))
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| anyhow::anyhow!("TOTP parameters: {e:?}"))
}

/// The digits of a typed code (spaces and dashes allowed), if it has exactly six.
fn normalise(code: &str) -> Option<String> {
    let digits: String = code.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

fn incorrect() -> ApiError {
    ApiError::field(
        "code",
        FieldErrorCode::Incorrect,
        "That code is not right, or was used already. Enter the code your authenticator app shows now.",
    )
}

fn parse_name(raw: Option<String>) -> ApiResult<String> {
    let raw = raw.unwrap_or_default();
    // The limit is the schema's: counted before trimming.
    if raw.chars().count() > 64 {
        return Err(ApiError::field(
            "name",
            FieldErrorCode::TooLong,
            "The name can be at most 64 characters.",
        ));
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
    if name.chars().count() > 64 {
        return Err(ApiError::field(
            "name",
            FieldErrorCode::TooLong,
            "The name can be at most 64 characters.",
        ));
    }
    Ok(name)
}

fn qr_svg(uri: &str) -> anyhow::Result<String> {
    let code = qrcode::QrCode::new(uri.as_bytes())?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(220, 220)
        .build())
}

/// The QR code as it goes inside an HTML page: without its XML declaration.
pub fn inline_svg(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => "",
    }
}

fn method_id(raw: &str) -> ApiResult<String> {
    raw.parse::<uuid::Uuid>()
        .map(|u| u.to_string())
        .map_err(|_| not_found())
}

fn not_found() -> ApiError {
    ApiError::NotFound("No such authentication method.".to_owned())
}

fn dto(r: &MethodRow) -> Option<AuthenticationMethod> {
    Some(AuthenticationMethod {
        id: r.id.parse().ok()?,
        kind: AuthenticationMethodKind::from_id(&r.kind)?,
        name: r.name.clone(),
        created_at: r.created_at.to_datetime(),
        last_used_at: r.last_used_at.map(Micros::to_datetime),
    })
}

fn method_target(user: UserId, upn: &str, name: &str, added: bool) -> TargetResource {
    let value = Some(format!("Authenticator app ({name})"));
    let (old, new) = if added { (None, value) } else { (value, None) };
    TargetResource::user(user, upn).with("authentication_methods", old, new)
}

/// Starts enrolling an authenticator app for `user`: the seed, shown this once.
pub async fn start_enrolment(
    state: &AppState,
    user: UserId,
    upn: &str,
    name: Option<String>,
) -> ApiResult<TotpEnrolment> {
    let name = parse_name(name)?;
    let now = state.now();
    let id = state.new_id();
    let seed = crate::auth::random_bytes::<20>().to_vec();
    let t = totp(seed.clone(), upn).map_err(ApiError::Internal)?;
    let uri = t
        .to_url()
        .map_err(|e| anyhow::anyhow!("otpauth URI: {e:?}"))?;
    let svg = qr_svg(&uri).map_err(ApiError::Internal)?;
    let sealed = state
        .secrets
        .seal(&seed, &aad(user, &id), now)
        .await
        .map_err(ApiError::Internal)?;
    let mut tx = state.store.begin().await?;
    rows::purge_unconfirmed(&mut tx, now - ENROLMENT_TTL).await?;
    if rows::count_of(&mut tx, user).await? >= MAX_METHODS {
        tx.rollback().await.map_err(StoreError::Other)?;
        return Err(too_many());
    }
    rows::insert(
        &mut tx,
        &MethodRow {
            id: id.clone(),
            user_id: user,
            kind: AuthenticationMethodKind::Totp.id().to_owned(),
            name,
            secret: sealed,
            confirmed: false,
            created_at: now,
            last_used_at: None,
            last_used_step: 0,
            credential_id: None,
            credential: None,
        },
    )
    .await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(TotpEnrolment {
        id: id
            .parse()
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?,
        secret: t.secret().to_base32(),
        otpauth_uri: uri,
        qr_svg: svg,
        expires_at: (now + ENROLMENT_TTL).to_datetime(),
    })
}

/// An enrolment still waiting for its first code, shown again (the hosted page's
/// enrolment step after a wrong code): `None` once confirmed, expired or gone.
pub async fn pending_enrolment(
    state: &AppState,
    user: UserId,
    upn: &str,
    id: &str,
) -> ApiResult<Option<TotpEnrolment>> {
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let row = rows::get(&mut tx, user, id).await?;
    tx.rollback().await.map_err(StoreError::Other)?;
    let Some(row) = row.filter(|r| !r.confirmed && r.created_at + ENROLMENT_TTL > now) else {
        return Ok(None);
    };
    let seed = state
        .secrets
        .open(&row.secret, &aad(user, &row.id), now)
        .await
        .map_err(ApiError::Internal)?;
    let t = totp(seed, upn).map_err(ApiError::Internal)?;
    let uri = t
        .to_url()
        .map_err(|e| anyhow::anyhow!("otpauth URI: {e:?}"))?;
    Ok(Some(TotpEnrolment {
        id: row
            .id
            .parse()
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?,
        secret: t.secret().to_base32(),
        qr_svg: qr_svg(&uri).map_err(ApiError::Internal)?,
        otpauth_uri: uri,
        expires_at: (row.created_at + ENROLMENT_TTL).to_datetime(),
    }))
}

/// The step `code` belongs to for `row`, if it is one of the codes accepted now.
async fn step_of(
    state: &AppState,
    row: &MethodRow,
    upn: &str,
    code: &str,
    now: Micros,
) -> ApiResult<Option<i64>> {
    let seed = state
        .secrets
        .open(&row.secret, &aad(row.user_id, &row.id), now)
        .await
        .map_err(ApiError::Internal)?;
    let t = totp(seed, upn).map_err(ApiError::Internal)?;
    Ok(t.check(code, now.unix_seconds())
        .and_then(|s| i64::try_from(s).ok()))
}

/// Confirms an enrolment with its first code; audited "Register authenticator app".
pub async fn confirm_enrolment(
    state: &AppState,
    who: &Initiator,
    (user, upn): (UserId, &str),
    id: &str,
    code: &str,
) -> ApiResult<AuthenticationMethod> {
    let id = method_id(id)?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let row = rows::get(&mut tx, user, &id).await?;
    let Some(row) = row.filter(|r| r.confirmed || r.created_at + ENROLMENT_TTL > now) else {
        tx.rollback().await.map_err(StoreError::Other)?;
        return Err(ApiError::NotFound(
            "No such enrolment, or it expired after 10 minutes. Add the authenticator app again."
                .to_owned(),
        ));
    };
    if row.confirmed {
        tx.rollback().await.map_err(StoreError::Other)?;
        return Err(ApiError::conflict(
            ErrorCode::Conflict,
            "This authenticator app is confirmed already.",
        ));
    }
    let step = match normalise(code) {
        Some(c) => step_of(state, &row, upn, &c, now).await?,
        None => None,
    };
    let accepted = match step {
        Some(s) => rows::use_step(&mut tx, &row.id, s, now).await?,
        None => false,
    };
    if !accepted {
        tx.rollback().await.map_err(StoreError::Other)?;
        return Err(incorrect());
    }
    let event = Event::success(Activity::RegisterAuthenticatorApp)
        .target(method_target(user, upn, &row.name, true));
    audit::record(&mut tx, who, now, &*state.ids, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    let confirmed = MethodRow {
        confirmed: true,
        last_used_at: Some(now),
        ..row
    };
    dto(&confirmed).ok_or_else(|| ApiError::Internal(anyhow::anyhow!("bad method row")))
}

/// Whether `code` is a current, unused code of one of `user`'s confirmed apps; the
/// step is spent (in `tx`) when it is.
pub async fn accept_code(
    state: &AppState,
    tx: &mut crate::store::Tx,
    (user, upn): (UserId, &str),
    code: &str,
) -> ApiResult<bool> {
    let Some(code) = normalise(code) else {
        return Ok(false);
    };
    let now = state.now();
    let apps = rows::confirmed_of(&mut **tx, user).await?;
    for row in apps
        .iter()
        .filter(|r| r.kind == AuthenticationMethodKind::Totp.id())
    {
        if let Some(step) = step_of(state, row, upn, &code, now).await? {
            if rows::use_step(tx, &row.id, step, now).await? {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// Checks a second-factor code for a sign-in or a removal, under the account
/// lockout: a locked account is refused, a wrong code counts as a failed sign-in
/// (audited "Sign-in", failure `invalid_code`), a right one clears the count.
pub async fn check_code(
    state: &AppState,
    who: &Initiator,
    account: &crate::store::accounts::Account,
    code: &str,
    app: Option<&TargetResource>,
) -> ApiResult<()> {
    let now = state.now();
    let p = &state.policy;
    let mut tx = state.store.begin().await?;
    let fresh = crate::store::accounts::by_id(&mut tx, account.id).await?;
    if let Some(a) = fresh.as_ref().filter(|a| a.locked_until > now) {
        tx.rollback().await.map_err(StoreError::Other)?;
        return Err(ApiError::Locked {
            retry_after_secs: (a.locked_until - now).retry_after_secs(),
        });
    }
    if accept_code(
        state,
        &mut tx,
        (account.id, &account.user_principal_name),
        code,
    )
    .await?
    {
        crate::store::accounts::clear_failures(&mut tx, account.id).await?;
        tx.commit().await.map_err(StoreError::Other)?;
        return Ok(());
    }
    let locked = crate::store::accounts::record_failure(
        &mut tx,
        account.id,
        now,
        p.lockout_window,
        i64::from(p.lockout_threshold),
        p.lockout_duration,
    )
    .await?;
    let mut event = Event::failure(
        Activity::SignIn,
        if locked.is_some() {
            "invalid_code; account locked"
        } else {
            "invalid_code"
        },
    )
    .target(TargetResource::user(
        account.id,
        &account.user_principal_name,
    ));
    if let Some(app) = app {
        event = event.target(app.clone());
    }
    audit::record(&mut tx, who, now, &*state.ids, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    match locked {
        Some(until) => Err(ApiError::Locked {
            retry_after_secs: (until - now).retry_after_secs(),
        }),
        None => Err(incorrect()),
    }
}

/// `POST /me/authentication-methods/totp`.
pub async fn enrol_mine(
    state: &AppState,
    ctx: &AuthContext,
    body: RegisterTotp,
) -> ApiResult<TotpEnrolment> {
    let p = &ctx.principal;
    start_enrolment(state, p.id, &p.user_principal_name, body.name).await
}

/// `POST /me/authentication-methods/{id}/verify`.
pub async fn verify_mine(
    state: &AppState,
    ctx: &AuthContext,
    id: &str,
    body: VerifyCode,
) -> ApiResult<AuthenticationMethod> {
    let p = &ctx.principal;
    confirm_enrolment(
        state,
        &ctx.initiator,
        (p.id, &p.user_principal_name),
        id,
        &body.code,
    )
    .await
}

/// `GET /me/authentication-methods`: confirmed methods, never their secrets.
pub async fn mine(state: &AppState, ctx: &AuthContext) -> ApiResult<Page<AuthenticationMethod>> {
    let rows = rows::confirmed_of(state.store.reader(), ctx.user_id()).await?;
    Ok(Page {
        items: rows.iter().filter_map(dto).collect(),
        next_cursor: None,
    })
}

/// `DELETE /me/authentication-methods/{id}`: audited "Remove authenticator app" or
/// "Remove passkey". Like every sensitive action it needs a sign-in within
/// `--reauthentication-minutes` (else 401 `reauthentication_required`); a caller
/// with an authenticator app also gives a current code from one (under the lockout,
/// like a sign-in). A waiting enrolment goes without the code.
pub async fn remove_mine(
    state: &AppState,
    ctx: &AuthContext,
    id: &str,
    body: RemoveMethod,
) -> ApiResult<()> {
    let id = method_id(id)?;
    ctx.require_recent_sign_in(state)?;
    let user = ctx.user_id();
    let upn = ctx.principal.user_principal_name.clone();
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let row = rows::get(&mut tx, user, &id).await?;
    tx.rollback().await.map_err(StoreError::Other)?;
    let Some(row) = row else {
        return Err(not_found());
    };
    if row.confirmed {
        let methods = rows::confirmed_of(state.store.reader(), user).await?;
        let has_app = methods
            .iter()
            .any(|m| m.kind == AuthenticationMethodKind::Totp.id());
        if has_app {
            let account = crate::store::accounts::read(state.store.reader(), user)
                .await?
                .ok_or_else(not_found)?;
            let code = body.code.unwrap_or_default();
            check_code(state, &ctx.initiator, &account, &code, None).await?;
        }
        // Passkeys only: the recent sign-in checked above is the proof.
    }
    let mut tx = state.store.begin().await?;
    if !rows::delete(&mut tx, user, &id).await? {
        tx.rollback().await.map_err(StoreError::Other)?;
        return Err(not_found());
    }
    if row.confirmed {
        let event = if row.kind == AuthenticationMethodKind::Passkey.id() {
            Event::success(Activity::RemovePasskey).target(
                crate::service::passkeys::removed_target(user, &upn, &row.name),
            )
        } else {
            Event::success(Activity::RemoveAuthenticatorApp)
                .target(method_target(user, &upn, &row.name, false))
        };
        audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
    }
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(())
}

/// `GET /users/{id}/authentication-methods`: kinds and dates, for whoever may read
/// the user's profile and phone methods (SPEC section 2, "Read").
pub async fn of_user(
    state: &AppState,
    ctx: &AuthContext,
    id: &str,
) -> ApiResult<Page<AuthenticationMethodSummary>> {
    require_reader(ctx)?;
    let s = subject(state, id).await?;
    let rows = rows::confirmed_of(state.store.reader(), s.row.id).await?;
    let mut items: Vec<AuthenticationMethodSummary> = rows
        .iter()
        .filter_map(|r| {
            Some(AuthenticationMethodSummary {
                kind: AuthenticationMethodKind::from_id(&r.kind)?,
                created_at: r.created_at.to_datetime(),
                last_used_at: r.last_used_at.map(Micros::to_datetime),
                expires_at: None,
            })
        })
        .collect();
    if let Some(pass) = crate::service::recovery::usable_pass(state, s.row.id).await? {
        items.push(AuthenticationMethodSummary {
            kind: AuthenticationMethodKind::TemporaryAccessPass,
            created_at: pass.created_at.to_datetime(),
            last_used_at: pass.used_at.map(Micros::to_datetime),
            expires_at: Some(pass.expires_at.to_datetime()),
        });
    }
    Ok(Page {
        items,
        next_cursor: None,
    })
}

/// Whether `user` has a confirmed second factor.
pub async fn has_second_factor(state: &AppState, user: UserId) -> ApiResult<bool> {
    Ok(rows::has_confirmed(state.store.reader(), user).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_spaces_allowed() {
        assert_eq!(normalise("123 456").as_deref(), Some("123456"));
        assert_eq!(normalise("123-456").as_deref(), Some("123456"));
        assert_eq!(normalise("12345"), None);
        assert_eq!(normalise("12345a"), None);
        assert_eq!(normalise("١٢٣٤٥٦"), None);
    }

    #[test]
    fn the_rfc_6238_sha1_vector_holds() {
        // RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits); 6 digits: 287082.
        let t = totp(b"12345678901234567890".to_vec(), "a@b").unwrap();
        assert_eq!(t.generate(59).to_string(), "287082");
        assert_eq!(t.check("287082", 59), Some(1));
        assert!(t
            .to_url()
            .unwrap()
            .starts_with("otpauth://totp/OpenStaff:a%40b?secret="));
    }
}

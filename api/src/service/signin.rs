//! Sign-in: a per-client-IP rate limit and per-account lockout (both in the
//! database, so they hold across replicas), the password check against Argon2id (or
//! a dummy hash for unknown names, so timing does not reveal who exists), one-use
//! temporary passwords, and token issue. Every attempt is audited.
//!
//! [`check_password`] is the one password check: the API's `POST /auth/token` and the
//! identity provider's hosted sign-in page both go through it.

use crate::audit::{self, Event, Initiator, TargetResource};
use crate::auth::password::Secret;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::accounts::Account;
use crate::store::StoreError;
use crate::time::Span;
use shared::audit::Activity;
use shared::dto::{TokenRequest, TokenResponse};
use shared::{ErrorCode, FieldErrorCode};

const ACTIVITY: Activity = Activity::SignIn;

/// The "Sign-in" success of `account` through `methods` (in words: "Password,
/// Authenticator app"), naming `app` when signing in to one. Recorded once, when the
/// sign-in is complete: after the password for the API's password grant, when the
/// provider session starts for the hosted page (`service::oidc`), never at a step a
/// second factor still follows.
pub fn succeeded(account: &Account, methods: &str, app: Option<&TargetResource>) -> Event {
    let event = Event::success(ACTIVITY).target(
        TargetResource::user(account.id, &account.user_principal_name).with(
            "authentication_methods",
            None,
            Some(methods.to_owned()),
        ),
    );
    match app {
        Some(app) => event.target(app.clone()),
        None => event,
    }
}

fn disabled() -> ApiError {
    ApiError::unauthorized(
        ErrorCode::AccountDisabled,
        "This account is disabled. Ask your manager or administrator.",
    )
}

fn invalid() -> ApiError {
    ApiError::unauthorized(
        ErrorCode::InvalidCredentials,
        "That username and password don't match.",
    )
}

/// Records a failed attempt (and counts it towards lockout) in one transaction.
async fn fail(
    state: &AppState,
    who: &Initiator,
    account: Option<&Account>,
    app: Option<&TargetResource>,
    reason: ErrorCode,
    count_failure: bool,
) -> ApiResult<()> {
    let now = state.now();
    let p = &state.policy;
    let mut tx = state.store.begin().await?;
    let mut event = Event::failure(ACTIVITY, reason.as_str());
    if let Some(app) = app {
        event = event.target(app.clone());
    }
    if let Some(a) = account {
        event = event.target(TargetResource::user(a.id, &a.user_principal_name));
        if count_failure {
            let locked = crate::store::accounts::record_failure(
                &mut tx,
                a.id,
                now,
                p.lockout_window,
                i64::from(p.lockout_threshold),
                p.lockout_duration,
            )
            .await?;
            if locked.is_some() {
                event.result_reason = Some(format!("{reason}; account locked"));
            }
        }
    }
    audit::record(&mut tx, who, now, &*state.ids, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(())
}

/// `POST /auth/token`: the password grant, for people who sign in with a password
/// alone. A password alone never passes for someone who has a second factor
/// (whatever the policy: the grant would otherwise be the way around it), nor, while
/// the policy requires one, for an administrator: they are refused (403
/// `mfa_required`) before a temporary password is spent, so it still works on the
/// hosted page.
pub async fn sign_in(
    state: &AppState,
    who: Initiator,
    req: TokenRequest,
) -> ApiResult<TokenResponse> {
    let (account, _) = check(state, who.clone(), req, None, Surface::PasswordGrant).await?;
    let mut who = who;
    who.user_id = Some(account.id.to_string());
    who.user_principal_name = Some(account.user_principal_name.clone());
    audit::record_alone(state, &who, succeeded(&account, "Password", None)).await?;
    let token = state.keys.issue(
        &account.id.to_string(),
        account.token_version,
        account.force_password_change,
        state.now(),
        state.ids.new_id(),
    )?;
    Ok(TokenResponse {
        access_token: token,
        token_type: "Bearer".to_owned(),
        expires_in: state.keys.ttl_secs,
        password_change_required: account.force_password_change,
    })
}

/// Whether a password alone falls short for `account`: it has a second factor, or
/// the policy requires one ([`mfa_required`]).
async fn password_alone_refused(state: &AppState, account: &Account) -> ApiResult<bool> {
    Ok(mfa_required(state, account.id).await?
        || crate::service::mfa::has_second_factor(state, account.id).await?)
}

/// Whether the policy asks `user` for a second factor at sign-in: the tenant's
/// `mfa_for_everyone`, or an admin role while the server runs `--admin-mfa
/// required`.
pub async fn mfa_required(state: &AppState, user: shared::UserId) -> ApiResult<bool> {
    if crate::store::settings::sign_in(state.store.reader())
        .await?
        .mfa_for_everyone
    {
        return Ok(true);
    }
    Ok(state.policy.admin_mfa == crate::config::AdminMfa::Required
        && holds_admin_role(state, user).await?)
}

/// Audits and answers the password grant's refusal of `account`.
async fn refuse_password_alone(
    state: &AppState,
    who: &Initiator,
    account: &Account,
) -> ApiResult<ApiError> {
    fail(
        state,
        who,
        Some(account),
        None,
        ErrorCode::MfaRequired,
        false,
    )
    .await?;
    Ok(ApiError::forbidden(
        ErrorCode::MfaRequired,
        "This account signs in with a second factor. Sign in through the OpenStaff identity provider (the hosted sign-in page at /oauth2/authorize), not with a password alone.",
    ))
}

/// Whether `user` holds any admin role (at any scope).
pub async fn holds_admin_role(state: &AppState, user: shared::UserId) -> ApiResult<bool> {
    let assignments =
        crate::store::role_assignments::assignments_of(state.store.reader(), user).await?;
    Ok(!assignments.is_empty())
}

/// Where a password is checked: the API's password grant (complete when the
/// password is right, unless [`password_alone_refused`]) or the hosted sign-in page
/// (a step: the sign-in is audited when it completes).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Surface {
    PasswordGrant,
    /// `allow_pass`: the account's Temporary Access Pass may stand in for the password.
    Hosted {
        allow_pass: bool,
    },
}

/// Checks a sign-in name and password for the hosted sign-in page: the per-IP rate
/// limit, lockout, the password, a disabled account, a temporary password's expiry
/// and single use. Failures are audited as "Sign-in" (naming `app`); a success is
/// audited by the caller once the sign-in is complete ([`succeeded`]).
pub async fn check_password(
    state: &AppState,
    who: Initiator,
    req: TokenRequest,
    app: Option<TargetResource>,
) -> ApiResult<Account> {
    check(state, who, req, app, Surface::Hosted { allow_pass: false })
        .await
        .map(|(a, _)| a)
}

/// [`check_password`], where the account's Temporary Access Pass
/// (`service::recovery`) may stand in for the password; `.1` is true when it did.
pub async fn check_password_or_pass(
    state: &AppState,
    who: Initiator,
    req: TokenRequest,
    app: Option<TargetResource>,
) -> ApiResult<(Account, bool)> {
    check(state, who, req, app, Surface::Hosted { allow_pass: true }).await
}

async fn check(
    state: &AppState,
    mut who: Initiator,
    req: TokenRequest,
    app: Option<TargetResource>,
    surface: Surface,
) -> ApiResult<(Account, bool)> {
    let app = app.as_ref();
    let allow_pass = surface == Surface::Hosted { allow_pass: true };
    let username: String = req.username.trim().chars().take(256).collect();
    if username.is_empty() || req.password.is_empty() {
        return Err(ApiError::field(
            if username.is_empty() {
                "username"
            } else {
                "password"
            },
            FieldErrorCode::Required,
            "Enter both a username and a password.",
        ));
    }
    who.user_principal_name = Some(username.clone());
    let now = state.now();

    let ip = who.ip.clone().unwrap_or_else(|| "unknown".to_owned());
    let mut tx = state.store.begin().await?;
    let limited = crate::store::accounts::hit_rate_limit(
        &mut tx,
        &format!("signin:ip:{ip}"),
        now,
        Span::MINUTE,
        i64::from(state.policy.signin_rate_per_minute),
    )
    .await?;
    if let Some(retry_after_secs) = limited {
        let mut event = Event::failure(ACTIVITY, ErrorCode::RateLimited.as_str());
        if let Some(app) = app {
            event = event.target(app.clone());
        }
        audit::record(&mut tx, &who, now, &*state.ids, event).await?;
        tx.commit().await.map_err(StoreError::Other)?;
        return Err(ApiError::RateLimited { retry_after_secs });
    }
    tx.commit().await.map_err(StoreError::Other)?;

    let password = Secret::new(req.password);
    let account = crate::store::accounts::by_upn(state.store.reader(), &username).await?;
    if let Some(a) = account.as_ref().filter(|_| allow_pass) {
        let mut who = who.clone();
        who.user_id = Some(a.id.to_string());
        who.user_principal_name = Some(a.user_principal_name.clone());
        use crate::service::recovery::{sign_in_with_pass, PassSignIn};
        match sign_in_with_pass(state, a, password.expose()).await? {
            PassSignIn::NotAPass => {}
            PassSignIn::SignedIn => return Ok((a.clone(), true)),
            PassSignIn::Disabled => {
                fail(state, &who, Some(a), app, ErrorCode::AccountDisabled, false).await?;
                return Err(disabled());
            }
        }
    }
    if let Some((a, (dir, guid))) = account
        .as_ref()
        .and_then(|a| crate::service::directory::linked(state, a).map(|l| (a, l)))
    {
        return pass_through(state, who, a.clone(), (&dir, guid), &password, app, surface)
            .await
            .map(|a| (a, false));
    }
    if let Some(a) = account.as_ref().filter(|a| a.locked_until > now) {
        fail(state, &who, Some(a), app, ErrorCode::AccountLocked, false).await?;
        return Err(ApiError::Locked {
            retry_after_secs: (a.locked_until - now).retry_after_secs(),
        });
    }
    let ok = state
        .hasher
        .verify(&password, account.as_ref().map(|a| a.password_hash.clone()))
        .await?;
    let account = match account {
        Some(a) if ok => a,
        other => {
            fail(
                state,
                &who,
                other.as_ref(),
                app,
                ErrorCode::InvalidCredentials,
                true,
            )
            .await?;
            return Err(invalid());
        }
    };
    who.user_id = Some(account.id.to_string());
    who.user_principal_name = Some(account.user_principal_name.clone());
    if !account.account_enabled {
        fail(
            state,
            &who,
            Some(&account),
            app,
            ErrorCode::AccountDisabled,
            false,
        )
        .await?;
        return Err(disabled());
    }
    if surface == Surface::PasswordGrant && password_alone_refused(state, &account).await? {
        return Err(refuse_password_alone(state, &who, &account).await?);
    }
    let mut tx = state.store.begin().await?;
    if let Some(expires) = account.password_expires_at {
        // A temporary password: good once, until it expires.
        if expires <= now
            || !crate::store::accounts::consume_temporary(&mut tx, account.id, now).await?
        {
            tx.rollback().await.map_err(StoreError::Other)?;
            fail(
                state,
                &who,
                Some(&account),
                app,
                ErrorCode::TemporaryPasswordExpired,
                false,
            )
            .await?;
            return Err(ApiError::unauthorized(
                ErrorCode::TemporaryPasswordExpired,
                "This temporary password has expired or was already used. Ask your manager for a new one.",
            ));
        }
    }
    // With a second factor to come, the count of failures (wrong codes included)
    // clears only once the code is right (`service::mfa::check_code`): a known
    // password must not buy more guesses at the code.
    if !crate::store::methods::has_confirmed(state.store.reader(), account.id).await? {
        crate::store::accounts::clear_failures(&mut tx, account.id).await?;
    }
    tx.commit().await.map_err(StoreError::Other)?;
    Ok((account, false))
}

/// Sign-in of a user synced from the directory: a bind to AD with the typed password
/// decides (lockout is the domain's, so failures are not counted here). AD's "must
/// change" (data 773, or an expired password) answers the account with a forced
/// change; otherwise a successful bind clears a forced change recorded here (the
/// user changed the password in the domain, on a PC say).
async fn pass_through(
    state: &AppState,
    mut who: Initiator,
    mut account: Account,
    (dir, guid): (&crate::directory::Directory, uuid::Uuid),
    password: &Secret,
    app: Option<&TargetResource>,
    surface: Surface,
) -> ApiResult<Account> {
    use crate::directory::DirectoryError;
    let verdict = crate::service::directory::bind(dir, guid, password.expose()).await;
    who.user_id = Some(account.id.to_string());
    who.user_principal_name = Some(account.user_principal_name.clone());
    let must_change = match verdict {
        Ok(()) => false,
        Err(DirectoryError::MustChangePassword) => true,
        Err(DirectoryError::InvalidCredentials) | Err(DirectoryError::NoSuchUser) => {
            fail(
                state,
                &who,
                Some(&account),
                app,
                ErrorCode::InvalidCredentials,
                false,
            )
            .await?;
            return Err(invalid());
        }
        Err(DirectoryError::Locked) => {
            fail(
                state,
                &who,
                Some(&account),
                app,
                ErrorCode::AccountLocked,
                false,
            )
            .await?;
            return Err(ApiError::unauthorized(
                ErrorCode::AccountLocked,
                "This account is locked by the company directory after too many failed sign-ins. Try again later, or ask your manager to reset your password.",
            ));
        }
        Err(DirectoryError::Disabled) => {
            fail(
                state,
                &who,
                Some(&account),
                app,
                ErrorCode::AccountDisabled,
                false,
            )
            .await?;
            return Err(ApiError::unauthorized(
                ErrorCode::AccountDisabled,
                "This account is disabled. Ask your manager or administrator.",
            ));
        }
        Err(e) => {
            tracing::warn!(error = %e, "pass-through sign-in: directory unavailable");
            fail(
                state,
                &who,
                Some(&account),
                app,
                ErrorCode::DirectoryUnavailable,
                false,
            )
            .await?;
            return Err(ApiError::DirectoryUnavailable);
        }
    };
    if !account.account_enabled {
        fail(
            state,
            &who,
            Some(&account),
            app,
            ErrorCode::AccountDisabled,
            false,
        )
        .await?;
        return Err(disabled());
    }
    if surface == Surface::PasswordGrant && password_alone_refused(state, &account).await? {
        return Err(refuse_password_alone(state, &who, &account).await?);
    }
    if account.force_password_change != must_change {
        let mut tx = state.store.begin().await?;
        crate::store::accounts::set_force_change(&mut tx, account.id, must_change, state.now())
            .await?;
        tx.commit().await.map_err(StoreError::Other)?;
        account.force_password_change = must_change;
    }
    Ok(account)
}

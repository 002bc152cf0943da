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

/// The "Sign-in" success of `account`, naming `app` when signing in to one.
fn succeeded(account: &Account, app: Option<&TargetResource>) -> Event {
    let event = Event::success(ACTIVITY).target(TargetResource::user(
        account.id,
        &account.user_principal_name,
    ));
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

pub async fn sign_in(
    state: &AppState,
    who: Initiator,
    req: TokenRequest,
) -> ApiResult<TokenResponse> {
    let account = check_password(state, who.clone(), req, None).await?;
    // A password alone never passes for someone who has a second factor (whatever the
    // policy: the grant would otherwise be the way around it), nor, while the policy
    // requires one, for an administrator.
    let admin_needs_mfa = state.policy.admin_mfa == crate::config::AdminMfa::Required
        && holds_admin_role(state, account.id).await?;
    if admin_needs_mfa || crate::service::mfa::has_second_factor(state, account.id).await? {
        let mut who = who;
        who.user_id = Some(account.id.to_string());
        who.user_principal_name = Some(account.user_principal_name.clone());
        let event = Event::failure(ACTIVITY, ErrorCode::MfaRequired.as_str()).target(
            TargetResource::user(account.id, &account.user_principal_name),
        );
        audit::record_alone(state, &who, event).await?;
        return Err(ApiError::forbidden(
            ErrorCode::MfaRequired,
            "This account signs in with a second factor. Sign in through the OpenStaff identity provider (the hosted sign-in page at /oauth2/authorize), not with a password alone.",
        ));
    }
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

/// Whether `user` holds any admin role (at any scope).
pub async fn holds_admin_role(state: &AppState, user: shared::UserId) -> ApiResult<bool> {
    let assignments =
        crate::store::role_assignments::assignments_of(state.store.reader(), user).await?;
    Ok(!assignments.is_empty())
}

/// Checks a sign-in name and password: the per-IP rate limit, lockout, the
/// password, a disabled account, a temporary password's expiry and single use.
/// Audits the attempt as "Sign-in" (naming `app` when signing in to an application)
/// and answers the account on success.
pub async fn check_password(
    state: &AppState,
    who: Initiator,
    req: TokenRequest,
    app: Option<TargetResource>,
) -> ApiResult<Account> {
    check(state, who, req, app, false).await.map(|(a, _)| a)
}

/// The hosted sign-in page's check: [`check_password`], where the account's
/// Temporary Access Pass (`service::recovery`) may stand in for the password; `.1` is
/// true when it did.
pub async fn check_password_or_pass(
    state: &AppState,
    who: Initiator,
    req: TokenRequest,
    app: Option<TargetResource>,
) -> ApiResult<(Account, bool)> {
    check(state, who, req, app, true).await
}

async fn check(
    state: &AppState,
    mut who: Initiator,
    req: TokenRequest,
    app: Option<TargetResource>,
    allow_pass: bool,
) -> ApiResult<(Account, bool)> {
    let app = app.as_ref();
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
        let mut event = succeeded(a, app);
        if let Some(user) = event.targets.first_mut() {
            *user = user.clone().with(
                "authentication_method",
                None,
                Some("temporary_access_pass".to_owned()),
            );
        }
        use crate::service::recovery::{sign_in_with_pass, PassSignIn};
        match sign_in_with_pass(state, &who, a, password.expose(), event).await? {
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
        return pass_through(state, who, a.clone(), &dir, guid, &password, app)
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
    audit::record(&mut tx, &who, now, &*state.ids, succeeded(&account, app)).await?;
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
    dir: &crate::directory::Directory,
    guid: uuid::Uuid,
    password: &Secret,
    app: Option<&TargetResource>,
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
    let now = state.now();
    let mut tx = state.store.begin().await?;
    if account.force_password_change != must_change {
        crate::store::accounts::set_force_change(&mut tx, account.id, must_change, now).await?;
        account.force_password_change = must_change;
    }
    audit::record(&mut tx, &who, now, &*state.ids, succeeded(&account, app)).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(account)
}

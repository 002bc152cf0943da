//! Password reset by a manager (SPEC section 3) and the caller's own password change.

use crate::audit::{self, Event, TargetResource};
use crate::auth::context::PasswordChangeContext;
use crate::auth::password::{self, Secret};
use crate::auth::AuthContext;
use crate::domain::{check_cloud_password, check_on_premises_password};
use crate::error::{ApiError, ApiResult};
use crate::service::authz::{begin_decided, enforce, require_my_staff, subject};
use crate::service::directory;
use crate::state::AppState;
use crate::store::StoreError;
use crate::time::Micros;
use shared::audit::Activity;
use shared::dto::{ChangePasswordRequest, ResetPasswordRequest, ResetPasswordResponse, UserSource};
use shared::rules::Action;
use shared::{ErrorCode, FieldErrorCode, UnitId, UserId};

/// `POST /users/{id}/reset-password`.
pub async fn reset_password(
    state: &AppState,
    ctx: &AuthContext,
    id: &str,
    req: ResetPasswordRequest,
    idempotency_key: Option<String>,
) -> ApiResult<ResetPasswordResponse> {
    const ACTIVITY: Activity = Activity::ResetPasswordByAdmin;
    require_my_staff(ctx)?;
    let s = subject(state, id).await?;
    enforce(state, ctx, Action::ResetPassword, ACTIVITY, &s).await?;
    if let Some(key) = &idempotency_key {
        if !(1..=128).contains(&key.len()) || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ApiError::bad_request(
                ErrorCode::InvalidIdempotencyKey,
                "Idempotency-Key must be 1 to 128 visible ASCII characters.",
            ));
        }
        if let Some(replay) = replay(state, ctx, key, s.row.id).await? {
            return Ok(replay);
        }
    }
    let now = state.now();
    // Where the new password goes: a local hash, or (for a user synced from the
    // on-premises directory) Active Directory itself, written before anything here.
    enum Write {
        Local {
            hash: String,
            secret: Secret,
            expires_at: Option<Micros>,
        },
        Directory,
    }
    let write = match (s.row.source(), req.password) {
        (UserSource::Cloud, Some(_)) => {
            return Err(ApiError::field(
                "password",
                FieldErrorCode::NotAllowed,
                "Cloud accounts get a generated temporary password; leave the password out.",
            ))
        }
        (UserSource::Cloud, None) => {
            let secret = password::generate(18);
            Write::Local {
                hash: state.hasher.hash(&secret).await?,
                secret,
                expires_at: Some(state.policy.temp_password_expires_at(now)),
            }
        }
        (UserSource::OnPremises, None) => {
            return Err(ApiError::field(
                "password",
                FieldErrorCode::Required,
                "On-premises accounts need the new password typed in.",
            ))
        }
        (UserSource::OnPremises, Some(typed)) => match linked_account(state, s.row.id).await? {
            Some((dir, guid)) => {
                let written = directory::reset(
                    &dir,
                    guid,
                    &typed,
                    &s.row.user_principal_name,
                    &s.row.display_name,
                    true,
                )
                .await;
                if let Err(failure) = written {
                    let event = Event::failure(ACTIVITY, failure.reason.to_owned())
                        .target(s.resource())
                        .units(s.unit_ids());
                    audit::record_alone(state, &ctx.initiator, event).await?;
                    return Err(failure.error);
                }
                Write::Directory
            }
            None => {
                let errors = check_on_premises_password(
                    &state.policy.on_premises(),
                    "password",
                    &typed,
                    &s.row.user_principal_name,
                    &s.row.display_name,
                );
                if !errors.is_empty() {
                    return Err(ApiError::Validation(errors));
                }
                let secret = Secret::new(typed);
                Write::Local {
                    hash: state.hasher.hash(&secret).await?,
                    secret,
                    expires_at: None,
                }
            }
        },
    };
    let expires_at = match &write {
        Write::Local { expires_at, .. } => *expires_at,
        Write::Directory => None,
    };
    let response = ResetPasswordResponse {
        temporary_password: None,
        force_change_password_next_sign_in: true,
        expires_at: expires_at.map(Micros::to_datetime),
        replayed: false,
    };
    // Decided again inside the write: a role granted to the target (or taken from the
    // actor) while the password was hashed is seen here.
    let (mut tx, s) = begin_decided(state, ctx, Action::ResetPassword, ACTIVITY, s.row.id).await?;
    if let Some(key) = &idempotency_key {
        let stored = serde_json::to_string(&ResetPasswordResponse {
            replayed: true,
            ..response.clone()
        })
        .map_err(|e| ApiError::Internal(e.into()))?;
        match crate::store::accounts::save_outcome(
            &mut tx,
            ctx.user_id(),
            key,
            s.row.id,
            &stored,
            now,
        )
        .await
        {
            Err(StoreError::Conflict) => {
                // A concurrent retry with the same key won; answer as it did.
                drop(tx);
                return replay(state, ctx, key, s.row.id).await?.ok_or_else(|| {
                    ApiError::conflict(ErrorCode::IdempotencyConflict, "Retry this request.")
                });
            }
            other => other?,
        }
    }
    let mut target = s.resource().with(
        "force_change_password_next_sign_in",
        None,
        Some("true".to_owned()),
    );
    let temporary_password = match &write {
        Write::Local {
            hash,
            secret,
            expires_at,
        } => {
            crate::store::accounts::set_password(&mut tx, s.row.id, hash, true, *expires_at, now)
                .await?;
            expires_at.map(|_| secret.expose().to_owned())
        }
        Write::Directory => {
            crate::store::accounts::set_directory_password(&mut tx, s.row.id, true, now).await?;
            target = target.with("password_written_to", None, Some("directory".to_owned()));
            None
        }
    };
    let event = Event::success(ACTIVITY).target(target).units(s.unit_ids());
    audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(ResetPasswordResponse {
        temporary_password,
        ..response
    })
}

/// The directory and `objectGUID` of a synced user, when a directory is configured.
pub(crate) async fn linked_account(
    state: &AppState,
    id: UserId,
) -> ApiResult<Option<(std::sync::Arc<crate::directory::Directory>, uuid::Uuid)>> {
    if state.directory.is_none() {
        return Ok(None);
    }
    let mut tx = state.store.begin().await?;
    let account = crate::store::accounts::by_id(&mut tx, id).await?;
    tx.rollback().await.map_err(StoreError::Other)?;
    Ok(account.and_then(|a| directory::linked(state, &a)))
}

/// The stored outcome of an earlier request with this key, if any.
async fn replay(
    state: &AppState,
    ctx: &AuthContext,
    key: &str,
    target_id: UserId,
) -> ApiResult<Option<ResetPasswordResponse>> {
    let mut tx = state.store.begin().await?;
    let found = crate::store::accounts::idempotent_outcome(&mut tx, ctx.user_id(), key).await?;
    tx.rollback().await.map_err(StoreError::Other)?;
    match found {
        None => Ok(None),
        Some((target, _)) if target != target_id => Err(ApiError::conflict(
            ErrorCode::IdempotencyKeyReused,
            "This Idempotency-Key was already used for another user.",
        )),
        Some((_, json)) => Ok(Some(
            serde_json::from_str(&json).map_err(|e| ApiError::Internal(e.into()))?,
        )),
    }
}

/// `POST /me/password`: the caller changes their own password (also the way out
/// of a forced change). Ends every token, including the one used here.
pub async fn change_password(
    state: &AppState,
    ctx: &PasswordChangeContext,
    req: ChangePasswordRequest,
) -> ApiResult<()> {
    const ACTIVITY: Activity = Activity::ChangePasswordSelf;
    let ctx = &ctx.0;
    let account = crate::store::accounts::read(state.store.reader(), ctx.user_id())
        .await?
        .ok_or_else(|| ApiError::NotFound("Your account no longer exists.".to_owned()))?;
    if let Some((dir, guid)) = directory::linked(state, &account) {
        return change_in_directory(
            state,
            &ctx.initiator,
            &account,
            (&dir, guid),
            &req.current_password,
            req.new_password,
            "new_password",
        )
        .await;
    }
    let current = Secret::new(req.current_password);
    if !state
        .hasher
        .verify(&current, Some(account.password_hash.clone()))
        .await?
    {
        let event = Event::failure(ACTIVITY, "current_password_incorrect".to_owned())
            .target(TargetResource::user(account.id, &account.display_name));
        audit::record_alone(state, &ctx.initiator, event).await?;
        return Err(ApiError::field(
            "current_password",
            FieldErrorCode::Incorrect,
            "Your current password is not right.",
        ));
    }
    set_own_password(state, &ctx.initiator, &account, req.new_password).await
}

/// The caller's own change for a user synced from the directory: made in AD with the
/// old and the new password (the domain checks both, and its history); then every
/// token and provider session ends and the change is audited. `field` names the new
/// password's field in a refusal.
pub async fn change_in_directory(
    state: &AppState,
    initiator: &crate::audit::Initiator,
    account: &crate::store::accounts::Account,
    (dir, guid): (&crate::directory::Directory, uuid::Uuid),
    old: &str,
    new: String,
    field: &str,
) -> ApiResult<()> {
    const ACTIVITY: Activity = Activity::ChangePasswordSelf;
    if new.is_empty() {
        return Err(ApiError::field(
            field,
            FieldErrorCode::Required,
            "Type a new password.",
        ));
    }
    if let Err(failure) = directory::change(dir, guid, old, &new, account, field).await {
        let event = Event::failure(ACTIVITY, failure.reason.to_owned())
            .target(TargetResource::user(account.id, &account.display_name));
        audit::record_alone(state, initiator, event).await?;
        return Err(failure.error);
    }
    let now = state.now();
    let mut tx = state.store.begin().await?;
    crate::store::accounts::set_directory_password(&mut tx, account.id, false, now).await?;
    let (_, mut units) =
        crate::store::users::profiles_for_users(state.store.reader(), &[account.id]).await?;
    let units = units.remove(&account.id).unwrap_or_default();
    let event = Event::success(ACTIVITY)
        .target(
            TargetResource::user(account.id, &account.display_name).with(
                "password_written_to",
                None,
                Some("directory".to_owned()),
            ),
        )
        .units(units.iter().map(|u| UnitId::from(u.id)));
    audit::record(&mut tx, initiator, now, &*state.ids, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(())
}

/// The caller's new password, once they have proved who they are (their current
/// password, or on the hosted sign-in page the sign-in that demanded the change):
/// the cloud policy, not a previous password, then stored; every token and provider
/// session ends (the token version moves on) and the change is audited.
pub async fn set_own_password(
    state: &AppState,
    initiator: &crate::audit::Initiator,
    account: &crate::store::accounts::Account,
    new_password: String,
) -> ApiResult<()> {
    const ACTIVITY: Activity = Activity::ChangePasswordSelf;
    let hash = new_cloud_password_hash(state, account, new_password).await?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    crate::store::accounts::set_password(&mut tx, account.id, &hash, false, None, now).await?;
    let (_, mut units) =
        crate::store::users::profiles_for_users(state.store.reader(), &[account.id]).await?;
    let units = units.remove(&account.id).unwrap_or_default();
    let event = Event::success(ACTIVITY)
        .target(TargetResource::user(account.id, &account.display_name))
        .units(units.iter().map(|u| UnitId::from(u.id)));
    audit::record(&mut tx, initiator, now, &*state.ids, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(())
}

/// The hash of a password someone chose for themselves, once it meets the cloud
/// policy and is neither their current nor their previous one (`new_password` names
/// the field of a refusal).
async fn new_cloud_password_hash(
    state: &AppState,
    account: &crate::store::accounts::Account,
    new_password: String,
) -> ApiResult<String> {
    let mut errors = check_cloud_password(
        &state.policy.cloud(),
        "new_password",
        &new_password,
        &account.user_principal_name,
        &account.display_name,
    );
    let new = Secret::new(new_password);
    let mut reused = state
        .hasher
        .verify(&new, Some(account.password_hash.clone()))
        .await?;
    if let Some(previous) = account.previous_password_hash.clone() {
        reused = reused || state.hasher.verify(&new, Some(previous)).await?;
    }
    if reused {
        errors.push(shared::dto::FieldError {
            field: "new_password".to_owned(),
            code: FieldErrorCode::PasswordReused,
            message: "Choose a password you have not used before.".to_owned(),
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok(state.hasher.hash(&new).await?)
}

/// A self-service password reset (`service::sspr`), once the person proved who they
/// are with a code texted to their mobile: the cloud policy (not a previous
/// password), or for a user synced from the on-premises directory the password
/// written to AD (whose policy decides); the account unlocked, every token and
/// provider session ended (the token version moves on), audited "Reset password
/// (self-service)".
pub async fn reset_own_password(
    state: &AppState,
    initiator: &crate::audit::Initiator,
    account: &crate::store::accounts::Account,
    new_password: String,
) -> ApiResult<()> {
    const ACTIVITY: Activity = Activity::ResetPasswordSelfService;
    let target = TargetResource::user(account.id, &account.display_name);
    let write = match directory::linked(state, account) {
        Some((dir, guid)) => {
            if new_password.is_empty() {
                return Err(ApiError::field(
                    "new_password",
                    FieldErrorCode::Required,
                    "Type a new password.",
                ));
            }
            let written = directory::reset(
                &dir,
                guid,
                &new_password,
                &account.user_principal_name,
                &account.display_name,
                false,
            )
            .await;
            if let Err(failure) = written {
                let event = Event::failure(ACTIVITY, failure.reason.to_owned()).target(target);
                audit::record_alone(state, initiator, event).await?;
                return Err(failure.error);
            }
            None
        }
        None => Some(new_cloud_password_hash(state, account, new_password).await?),
    };
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let target = match &write {
        Some(hash) => {
            crate::store::accounts::set_password(&mut tx, account.id, hash, false, None, now)
                .await?;
            target
        }
        None => {
            crate::store::accounts::set_directory_password(&mut tx, account.id, false, now).await?;
            target.with("password_written_to", None, Some("directory".to_owned()))
        }
    };
    crate::store::codes::spend_all(
        &mut *tx,
        account.id,
        crate::service::text_codes::Purpose::Reset.id(),
        now,
    )
    .await?;
    let (_, mut units) =
        crate::store::users::profiles_for_users(state.store.reader(), &[account.id]).await?;
    let units = units.remove(&account.id).unwrap_or_default();
    let event = Event::success(ACTIVITY)
        .target(target)
        .units(units.iter().map(|u| UnitId::from(u.id)));
    audit::record(&mut tx, initiator, now, &*state.ids, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(())
}

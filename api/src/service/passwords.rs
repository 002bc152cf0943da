//! Password reset by a manager (SPEC section 3) and the caller's own password change.

use crate::audit::{self, Event, TargetResource};
use crate::auth::context::PasswordChangeContext;
use crate::auth::password::{self, Secret};
use crate::auth::AuthContext;
use crate::domain::{check_cloud_password, check_on_premises_password};
use crate::error::{ApiError, ApiResult};
use crate::service::authz::{begin_decided, enforce, require_my_staff, subject};
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
    let (secret, expires_at) = match (s.row.source(), req.password) {
        (UserSource::Cloud, Some(_)) => {
            return Err(ApiError::field(
                "password",
                FieldErrorCode::NotAllowed,
                "Cloud accounts get a generated temporary password; leave the password out.",
            ))
        }
        (UserSource::Cloud, None) => (
            password::generate(18),
            Some(state.policy.temp_password_expires_at(now)),
        ),
        (UserSource::OnPremises, None) => {
            return Err(ApiError::field(
                "password",
                FieldErrorCode::Required,
                "On-premises accounts need the new password typed in.",
            ))
        }
        (UserSource::OnPremises, Some(typed)) => {
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
            (Secret::new(typed), None)
        }
    };
    let hash = state.hasher.hash(&secret).await?;
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
    crate::store::accounts::set_password(&mut tx, s.row.id, &hash, true, expires_at, now).await?;
    let event = Event::success(ACTIVITY)
        .target(s.resource().with(
            "force_change_password_next_sign_in",
            None,
            Some("true".to_owned()),
        ))
        .units(s.unit_ids());
    audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(ResetPasswordResponse {
        temporary_password: expires_at.map(|_| secret.expose().to_owned()),
        ..response
    })
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
    let account = {
        let mut tx = state.store.begin().await?;
        let a = crate::store::accounts::by_id(&mut tx, ctx.user_id()).await?;
        tx.rollback().await.map_err(StoreError::Other)?;
        a.ok_or_else(|| ApiError::NotFound("Your account no longer exists.".to_owned()))?
    };
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
    let hash = state.hasher.hash(&new).await?;
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

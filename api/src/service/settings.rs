//! Tenant settings: the My Staff access setting (who may use the manager surface)
//! and the sign-in policy (who must use a second factor).

use crate::audit::{self, Event, TargetResource};
use crate::auth::AuthContext;
use crate::error::{ApiError, ApiResult};
use crate::service::authz::deny;
use crate::state::AppState;
use crate::store::{Store, StoreError};
use shared::audit::Activity;
use shared::dto::{MyStaffSettings, SignInPolicy};
use shared::rules::{self};
use shared::UserId;
use shared::{ErrorCode, FieldErrorCode};

pub async fn my_staff_settings(store: &Store) -> ApiResult<MyStaffSettings> {
    Ok(crate::store::settings::my_staff(store.reader()).await?)
}

pub async fn get_settings(state: &AppState, ctx: &AuthContext) -> ApiResult<MyStaffSettings> {
    if !rules::may_manage_directory(&ctx.principal.grants) {
        return Err(ApiError::forbidden(
            ErrorCode::DirectoryAdminRequired,
            "Only tenant-wide global or user administrators can see this setting.",
        ));
    }
    my_staff_settings(&state.store).await
}

pub async fn put_settings(
    state: &AppState,
    ctx: &AuthContext,
    mut req: MyStaffSettings,
) -> ApiResult<MyStaffSettings> {
    const ACTIVITY: Activity = Activity::UpdateMyStaffSettings;
    if !rules::may_manage_directory(&ctx.principal.grants) {
        return Err(deny(
            state,
            ctx,
            ACTIVITY,
            Some(TargetResource::setting("my_staff")),
            ErrorCode::DirectoryAdminRequired,
            "Only tenant-wide global or user administrators can change this setting.",
        )
        .await);
    }
    req.selected_user_ids.sort();
    req.selected_user_ids.dedup();
    if req.selected_user_ids.len() > 10_000 {
        return Err(ApiError::field(
            "selected_user_ids",
            FieldErrorCode::TooMany,
            "At most 10,000 users can be selected.",
        ));
    }
    let ids: Vec<UserId> = req
        .selected_user_ids
        .iter()
        .map(|&id| UserId::from(id))
        .collect();
    let existing = crate::store::users::existing_user_ids(state.store.reader(), &ids).await?;
    if let Some(missing) = ids.iter().find(|id| !existing.contains(id)) {
        return Err(ApiError::field(
            "selected_user_ids",
            FieldErrorCode::NotFound,
            format!("No user has the id {missing}."),
        ));
    }
    let old = my_staff_settings(&state.store).await?;
    let json = serde_json::to_string(&req).map_err(|e| ApiError::Internal(e.into()))?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    crate::store::settings::put_setting(&mut tx, "my_staff", &json).await?;
    let access_str = |s: &MyStaffSettings| {
        serde_json::to_value(s.access)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
    };
    let event = Event::success(ACTIVITY).target(
        TargetResource::setting("my_staff")
            .with("access", access_str(&old), access_str(&req))
            .with(
                "selected_user_count",
                Some(old.selected_user_ids.len().to_string()),
                Some(req.selected_user_ids.len().to_string()),
            ),
    );
    audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(req)
}

fn sign_in_policy_denied() -> &'static str {
    "Only tenant-wide global administrators can see and change the sign-in policy."
}

/// `GET /settings/sign-in`.
pub async fn get_sign_in_policy(state: &AppState, ctx: &AuthContext) -> ApiResult<SignInPolicy> {
    if !rules::may_manage_sign_in_policy(&ctx.principal.grants) {
        return Err(ApiError::forbidden(
            ErrorCode::GlobalAdminRequired,
            sign_in_policy_denied(),
        ));
    }
    Ok(crate::store::settings::sign_in(state.store.reader()).await?)
}

/// `PUT /settings/sign-in`. Takes effect at each person's next sign-in or token
/// refresh (`service::signin::mfa_required`).
pub async fn put_sign_in_policy(
    state: &AppState,
    ctx: &AuthContext,
    req: SignInPolicy,
) -> ApiResult<SignInPolicy> {
    const ACTIVITY: Activity = Activity::UpdateAuthenticationMethodsPolicy;
    let target = || TargetResource::setting(crate::store::settings::SIGN_IN_KEY);
    if !rules::may_manage_sign_in_policy(&ctx.principal.grants) {
        return Err(deny(
            state,
            ctx,
            ACTIVITY,
            Some(target()),
            ErrorCode::GlobalAdminRequired,
            sign_in_policy_denied(),
        )
        .await);
    }
    let json = serde_json::to_string(&req).map_err(|e| ApiError::Internal(e.into()))?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let old = crate::store::settings::sign_in(&mut *tx).await?;
    crate::store::settings::put_setting(&mut tx, crate::store::settings::SIGN_IN_KEY, &json)
        .await?;
    let event = Event::success(ACTIVITY).target(
        target()
            .with(
                "mfa_for_everyone",
                Some(old.mfa_for_everyone.to_string()),
                Some(req.mfa_for_everyone.to_string()),
            )
            .with(
                "sms_sign_in",
                Some(old.sms_sign_in.to_string()),
                Some(req.sms_sign_in.to_string()),
            ),
    );
    audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(req)
}

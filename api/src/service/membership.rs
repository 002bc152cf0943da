//! Adding people to and removing them from locations.

use crate::audit::{self, Event, TargetResource};
use crate::auth::AuthContext;
use crate::error::{ApiError, ApiResult};
use crate::service::authz::deny;
use crate::service::paging::parse_id;
use crate::service::units::load_unit;
use crate::state::AppState;
use crate::store::StoreError;
use shared::audit::Activity;
use shared::rules::{self};
use shared::UserId;
use shared::{ErrorCode, FieldErrorCode};

/// Adds (`add = true`) or removes a member, under the membership rule.
pub async fn change_membership(
    state: &AppState,
    ctx: &AuthContext,
    unit_id: &str,
    user_id: UserId,
    add: bool,
) -> ApiResult<()> {
    let activity = if add {
        Activity::AddMemberToAdministrativeUnit
    } else {
        Activity::RemoveMemberFromAdministrativeUnit
    };
    let unit = load_unit(state, parse_id(unit_id, "location")?).await?;
    if !rules::may_manage_membership(ctx.grants(), unit.id.uuid(), unit.restricted) {
        let detail = if unit.restricted {
            "This location is restricted: only its own user administrators can change its members."
        } else {
            "Only tenant-wide global or user administrators can change location members."
        };
        return Err(deny(
            state,
            ctx,
            activity,
            Some(TargetResource::unit(unit.id, &unit.display_name)),
            ErrorCode::MembershipNotPermitted,
            detail,
        )
        .await);
    }
    let user = crate::store::users::get_user(state.store.reader(), user_id)
        .await?
        .ok_or_else(|| {
            if add {
                ApiError::field("user_id", FieldErrorCode::NotFound, "No user has this id.")
            } else {
                ApiError::NotFound("No user has this id.".to_owned())
            }
        })?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    // Membership decides who may reset the user: serialise with decisions about them.
    crate::store::users::lock_users(&mut tx, state.store.backend, &[user.id]).await?;
    let changed = if add {
        crate::store::membership::add_member(&mut tx, unit.id, user.id, now).await?
    } else {
        crate::store::membership::remove_member(&mut tx, unit.id, user.id).await?
    };
    if !changed {
        tx.rollback().await.map_err(StoreError::Other)?;
        return Err(if add {
            ApiError::conflict(
                ErrorCode::AlreadyMember,
                format!(
                    "{} is already a member of {}.",
                    user.display_name, unit.display_name
                ),
            )
        } else {
            ApiError::NotFound(format!(
                "{} is not a member of {}.",
                user.display_name, unit.display_name
            ))
        });
    }
    let (old, new) = if add {
        (None, Some(unit.display_name.clone()))
    } else {
        (Some(unit.display_name.clone()), None)
    };
    let event = Event::success(activity)
        .target(TargetResource::unit(unit.id, &unit.display_name))
        .target(TargetResource::user(user.id, &user.display_name).with(
            "administrative_unit",
            old,
            new,
        ))
        .units([unit.id]);
    audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(())
}

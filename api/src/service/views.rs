//! Mapping store rows to wire types as the caller sees them (with `allowed_actions`).

use crate::auth::AuthContext;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::store::role_assignments::AssignmentRow;
use crate::store::units::UnitRow;
use crate::store::users::{Profile, UserRow};
use shared::dto::{self};
use shared::rules::{self, Target};
use shared::{Role, Scope, UnitId, UserId};

/// Users as the caller sees them, each with `allowed_actions`.
pub async fn user_dtos(
    state: &AppState,
    ctx: &AuthContext,
    rows: Vec<UserRow>,
) -> ApiResult<Vec<dto::User>> {
    let ids: Vec<UserId> = rows.iter().map(|r| r.id).collect();
    let (mut roles, mut units) =
        crate::store::users::profiles_for_users(state.store.reader(), &ids).await?;
    let profiles = rows
        .into_iter()
        .map(|user| Profile {
            roles: roles.remove(&user.id).unwrap_or_default(),
            units: units.remove(&user.id).unwrap_or_default(),
            user,
        })
        .collect();
    Ok(profile_dtos(state, ctx, profiles))
}

/// Users read with their roles and locations, as the caller sees them.
pub fn profile_dtos(state: &AppState, ctx: &AuthContext, profiles: Vec<Profile>) -> Vec<dto::User> {
    let now = state.now();
    profiles
        .into_iter()
        .map(
            |Profile {
                 user: r,
                 roles,
                 units,
             }| {
                let id = r.id.uuid();
                let memberships = crate::store::membership::rule_memberships(&units);
                let allowed = rules::allowed_actions(
                    ctx.principal.actor(),
                    Target {
                        user_id: id,
                        roles: &roles,
                        memberships: &memberships,
                    },
                );
                dto::User {
                    id,
                    source: r.source(),
                    user_principal_name: r.user_principal_name,
                    display_name: r.display_name,
                    mail: r.mail,
                    job_title: r.job_title,
                    department: r.department,
                    account_enabled: r.account_enabled,
                    roles,
                    administrative_units: units,
                    allowed_actions: allowed,
                    locked_until: (r.locked_until > now).then(|| r.locked_until.to_datetime()),
                }
            },
        )
        .collect()
}

/// The roles the caller holds over a location: tenant-wide ones and ones scoped to it.
pub fn roles_over_unit(ctx: &AuthContext, unit_id: UnitId) -> Vec<Role> {
    let mut roles: Vec<Role> = ctx
        .grants()
        .iter()
        .filter(|g| match g.scope {
            shared::Scope::Directory => true,
            shared::Scope::AdministrativeUnit { id } => id == unit_id.uuid(),
        })
        .map(|g| g.role)
        .collect();
    roles.sort();
    roles.dedup();
    roles
}

pub fn unit_dto(ctx: &AuthContext, row: UnitRow) -> dto::AdministrativeUnit {
    dto::AdministrativeUnit {
        my_roles: roles_over_unit(ctx, row.id),
        id: row.id.uuid(),
        display_name: row.display_name,
        description: row.description,
        restricted: row.restricted,
        member_count: row.member_count,
    }
}

pub(crate) fn assignment_dto(row: AssignmentRow) -> Option<dto::RoleAssignment> {
    let role: Role = row.role.parse().ok()?;
    Some(dto::RoleAssignment {
        id: row.id.uuid(),
        principal_type: row.principal_type(),
        principal_id: row.principal_uuid()?,
        principal_display_name: row.principal_display_name,
        role_display_name: role.display_name().to_owned(),
        role,
        scope: Scope::from_storage(&row.scope)?,
        scope_display_name: row.scope_display_name,
        created_at: row.created_at.to_datetime(),
    })
}

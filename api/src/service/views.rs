//! Mapping store rows to wire types as the caller sees them (with `allowed_actions`).

use crate::auth::AuthContext;
use crate::error::ApiResult;
use crate::service::authz::actor;
use crate::state::AppState;
use crate::store::role_assignments::AssignmentRow;
use crate::store::units::UnitRow;
use crate::store::users::UserRow;
use shared::dto::{self};
use shared::rules::{self, Target};
use shared::{Role, Scope};
use uuid::Uuid;

/// Users as the caller sees them, each with `allowed_actions`.
pub async fn user_dtos(
    state: &AppState,
    ctx: &AuthContext,
    rows: Vec<UserRow>,
) -> ApiResult<Vec<dto::User>> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let (mut roles, mut units) =
        crate::store::users::profiles_for_users(state.store.reader(), &ids).await?;
    let me = Uuid::parse_str(ctx.user_id()).unwrap_or_default();
    Ok(rows
        .into_iter()
        .map(|r| {
            let id = Uuid::parse_str(&r.id).unwrap_or_default();
            let roles: Vec<Role> = roles.remove(&r.id).unwrap_or_default();
            let units = units.remove(&r.id).unwrap_or_default();
            let memberships = crate::store::membership::rule_memberships(&units);
            let allowed = rules::allowed_actions(
                actor(ctx, &me),
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
            }
        })
        .collect())
}

/// The roles the caller holds over a location: tenant-wide ones and ones scoped to it.
pub fn roles_over_unit(ctx: &AuthContext, unit_id: &Uuid) -> Vec<Role> {
    let mut roles: Vec<Role> = ctx
        .grants
        .iter()
        .filter(|g| match g.scope {
            shared::Scope::Directory => true,
            shared::Scope::AdministrativeUnit { id } => id == *unit_id,
        })
        .map(|g| g.role)
        .collect();
    roles.sort();
    roles.dedup();
    roles
}

pub fn unit_dto(ctx: &AuthContext, row: UnitRow) -> dto::AdministrativeUnit {
    let id = Uuid::parse_str(&row.id).unwrap_or_default();
    dto::AdministrativeUnit {
        my_roles: roles_over_unit(ctx, &id),
        id,
        display_name: row.display_name,
        description: row.description,
        restricted: row.restricted,
        member_count: row.member_count,
    }
}

pub(crate) fn uuid_of(s: &str) -> Uuid {
    Uuid::parse_str(s).unwrap_or_default()
}

pub(crate) fn assignment_dto(row: AssignmentRow) -> Option<dto::RoleAssignment> {
    let role: Role = row.role.parse().ok()?;
    Some(dto::RoleAssignment {
        id: Uuid::parse_str(&row.id).ok()?,
        principal_id: Uuid::parse_str(&row.principal_id).ok()?,
        principal_display_name: row.principal_display_name,
        role_display_name: role.display_name().to_owned(),
        role,
        scope: Scope::from_storage(&row.scope)?,
        scope_display_name: row.scope_display_name,
        created_at: crate::state::from_us(row.created_at),
    })
}

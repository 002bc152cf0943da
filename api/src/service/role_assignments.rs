//! Role assignments (who holds which admin role, at which scope).

use crate::audit::{self, Event, TargetResource};
use crate::auth::AuthContext;
use crate::error::{ApiError, ApiResult};
use crate::service::authz::deny;
use crate::service::paging::{page_of, parse_id, PageRequest};
use crate::service::views::assignment_dto;
use crate::state::AppState;
use crate::store::role_assignments::AssignmentRow;
use crate::store::StoreError;
use shared::audit::Activity;
use shared::dto::{self, ClientType, Page, PrincipalType};
use shared::rules;
use shared::{
    ApplicationId, ErrorCode, FieldErrorCode, Role, RoleAssignmentId, Scope, UnitId, UserId,
};

fn require_role_admin(ctx: &AuthContext) -> bool {
    rules::may_manage_role_assignments(&ctx.principal.grants)
}

pub async fn list_assignments(
    state: &AppState,
    ctx: &AuthContext,
    principal_id: Option<&str>,
    principal_type: Option<PrincipalType>,
    unit_id: Option<&str>,
    page: &PageRequest,
) -> ApiResult<Page<dto::RoleAssignment>> {
    if !require_role_admin(ctx) && !rules::may_manage_directory(&ctx.principal.grants) {
        return Err(ApiError::forbidden(
            ErrorCode::DirectoryAdminRequired,
            "Only tenant-wide global or user administrators can list role assignments.",
        ));
    }
    let principal: Option<uuid::Uuid> =
        principal_id.map(|p| parse_id(p, "principal")).transpose()?;
    let unit: Option<UnitId> = unit_id.map(|u| parse_id(u, "location")).transpose()?;
    let p = page.parse()?;
    if p.after
        .as_ref()
        .is_some_and(|(k, _)| k.parse::<i64>().is_err())
    {
        return Err(ApiError::bad_request(
            ErrorCode::InvalidCursor,
            "The cursor is not one this server issued.",
        ));
    }
    let rows = crate::store::role_assignments::list_assignments(
        state.store.reader(),
        principal,
        principal_type,
        unit,
        &p.after,
        p.limit + 1,
    )
    .await?;
    Ok(page_of(
        rows,
        p.limit,
        |r| {
            (
                format!("{:020}", r.created_at.as_micros()),
                r.id.to_string(),
            )
        },
        |rows| rows.into_iter().filter_map(assignment_dto).collect(),
    ))
}

/// The holder of a new assignment: a user, or a confidential application.
struct Holder {
    id: uuid::Uuid,
    display_name: String,
    resource: TargetResource,
    /// Whether it can keep a secret (always for a user, who is not a client).
    confidential: bool,
}

async fn holder(state: &AppState, req: &dto::CreateRoleAssignment) -> ApiResult<Option<Holder>> {
    Ok(match req.principal_type {
        PrincipalType::User => {
            crate::store::users::get_user(state.store.reader(), req.principal_id.into())
                .await?
                .map(|u| Holder {
                    id: u.id.uuid(),
                    resource: TargetResource::user(u.id, &u.display_name),
                    display_name: u.display_name,
                    confidential: true,
                })
        }
        PrincipalType::Application => crate::store::applications::get(
            state.store.reader(),
            ApplicationId::from(req.principal_id),
        )
        .await?
        .map(|a| Holder {
            id: a.id.uuid(),
            resource: TargetResource::application(a.id, &a.display_name),
            confidential: a.client_type() == ClientType::Confidential,
            display_name: a.display_name,
        }),
    })
}

pub async fn create_assignment(
    state: &AppState,
    ctx: &AuthContext,
    req: dto::CreateRoleAssignment,
) -> ApiResult<dto::RoleAssignment> {
    const ACTIVITY: Activity = Activity::AddScopedRoleMember;
    let principal = holder(state, &req).await?;
    if !require_role_admin(ctx) {
        let target = principal.as_ref().map(|p| p.resource.clone());
        return Err(deny(
            state,
            ctx,
            ACTIVITY,
            target,
            ErrorCode::GlobalAdminRequired,
            "Only global administrators can assign roles.",
        )
        .await);
    }
    let principal = principal.ok_or_else(|| {
        ApiError::field(
            "principal_id",
            FieldErrorCode::NotFound,
            match req.principal_type {
                PrincipalType::User => "No user has this id.",
                PrincipalType::Application => "No application has this id.",
            },
        )
    })?;
    if !principal.confidential {
        // Only a client that can keep a secret acts as itself (client credentials).
        return Err(ApiError::field(
            "principal_id",
            FieldErrorCode::NotAllowed,
            "Only a confidential application (one with a client secret) can hold roles.",
        ));
    }
    if !rules::scope_allowed_for_role(req.role, &req.scope) {
        return Err(ApiError::field(
            "scope",
            FieldErrorCode::ScopeNotAllowed,
            format!(
                "{} can only be assigned for the whole directory.",
                req.role.display_name()
            ),
        ));
    }
    let mut unit_name = None;
    let mut unit_ids = Vec::new();
    if let Scope::AdministrativeUnit { id } = req.scope {
        let unit = crate::store::units::get_unit(state.store.reader(), id.into())
            .await?
            .ok_or_else(|| {
                ApiError::field(
                    "scope",
                    FieldErrorCode::NotFound,
                    "No location has this id.",
                )
            })?;
        unit_name = Some(unit.display_name);
        unit_ids.push(unit.id);
    }
    let id = state.ids.new_id().into();
    let now = state.now();
    let mut tx = state.store.begin().await?;
    // A grant changes who may act on the principal: serialise with decisions about them
    // (see `authz::begin_decided`).
    match req.principal_type {
        PrincipalType::User => {
            crate::store::users::lock_users(
                &mut tx,
                state.store.backend,
                &[UserId::from(principal.id)],
            )
            .await?
        }
        PrincipalType::Application => {
            crate::store::applications::lock(
                &mut tx,
                state.store.backend,
                ApplicationId::from(principal.id),
            )
            .await?
        }
    }
    match crate::store::role_assignments::insert_assignment(
        &mut tx,
        id,
        req.principal_type,
        principal.id,
        req.role,
        &req.scope,
        now,
    )
    .await
    {
        Err(StoreError::Conflict) => {
            return Err(ApiError::conflict(
                ErrorCode::AssignmentExists,
                format!(
                    "{} already holds {} at this scope.",
                    principal.display_name,
                    req.role.display_name()
                ),
            ))
        }
        other => other?,
    }
    let scope_words = unit_name.clone().unwrap_or_else(|| "directory".to_owned());
    let event = Event::success(ACTIVITY)
        .target(
            principal
                .resource
                .clone()
                .with("role", None, Some(req.role.id().to_owned()))
                .with("scope", None, Some(scope_words)),
        )
        .units(unit_ids);
    audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
    let row = crate::store::role_assignments::get_assignment(&mut *tx, id)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("created assignment vanished")))?;
    tx.commit().await.map_err(StoreError::Other)?;
    assignment_dto(row)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("stored assignment unreadable")))
}

pub async fn delete_assignment(state: &AppState, ctx: &AuthContext, id: &str) -> ApiResult<()> {
    const ACTIVITY: Activity = Activity::RemoveScopedRoleMember;
    let id = parse_id::<RoleAssignmentId>(id, "role assignment")?;
    let row = crate::store::role_assignments::get_assignment(state.store.reader(), id).await?;
    if !require_role_admin(ctx) {
        let target = row.as_ref().and_then(holder_resource);
        return Err(deny(
            state,
            ctx,
            ACTIVITY,
            target,
            ErrorCode::GlobalAdminRequired,
            "Only global administrators can remove role assignments.",
        )
        .await);
    }
    let row =
        row.ok_or_else(|| ApiError::NotFound("No role assignment has this id.".to_owned()))?;
    if row.principal_type() == PrincipalType::User
        && row.principal_uuid() == Some(ctx.user_id().uuid())
        && row.role == Role::GlobalAdministrator.id()
        && row.scope == "directory"
    {
        return Err(ApiError::conflict(ErrorCode::LastOwnGlobalAdmin,
            "You cannot remove your own Global Administrator role; ask another global administrator."));
    }
    let now = state.now();
    let mut tx = state.store.begin().await?;
    // Taking a role away serialises with decisions about its holder, as granting does.
    match (row.principal_type(), row.principal_uuid()) {
        (PrincipalType::User, Some(id)) => {
            crate::store::users::lock_users(&mut tx, state.store.backend, &[UserId::from(id)])
                .await?
        }
        (PrincipalType::Application, Some(id)) => {
            crate::store::applications::lock(&mut tx, state.store.backend, id.into()).await?
        }
        (_, None) => {}
    }
    if !crate::store::role_assignments::delete_assignment(&mut tx, id).await? {
        return Err(ApiError::NotFound(
            "No role assignment has this id.".to_owned(),
        ));
    }
    let scope_words = row
        .scope_display_name
        .clone()
        .unwrap_or_else(|| "directory".to_owned());
    let unit_ids = Scope::from_storage(&row.scope)
        .and_then(|s| s.unit_id())
        .map(UnitId::from);
    let event = Event::success(ACTIVITY)
        .target(
            holder_resource(&row)
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("stored assignment unreadable")))?
                .with("role", Some(row.role.clone()), None)
                .with("scope", Some(scope_words), None),
        )
        .units(unit_ids);
    audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(())
}

/// The audit target naming who held (or holds) an assignment.
fn holder_resource(row: &AssignmentRow) -> Option<TargetResource> {
    let id = row.principal_uuid()?;
    Some(match row.principal_type() {
        PrincipalType::User => TargetResource::user(UserId::from(id), &row.principal_display_name),
        PrincipalType::Application => {
            TargetResource::application(ApplicationId::from(id), &row.principal_display_name)
        }
    })
}

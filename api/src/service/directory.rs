//! Reading the directory (the manager surface) and setting it up (directory
//! management): users, locations, membership, role assignments, My Staff setting.

use super::{
    my_staff_settings, my_staff_status, page_of, parse_id, require_my_staff, unit_dto, user_dtos,
    AppState, PageRequest,
};
use crate::audit::{self, Event, TargetResource};
use crate::auth::password::Secret;
use crate::auth::AuthContext;
use crate::domain::{
    check_cloud_password, optional_mail, optional_text, DisplayName, UserPrincipalName,
};
use crate::error::{ApiError, ApiResult};
use crate::store::directory::{self as db, AssignmentRow};
use crate::store::StoreError;
use shared::dto::{self, FieldError, Me, MyStaffSettings, Page};
use shared::rules::{self, Action, Decision, Target};
use shared::{Role, Scope};
use uuid::Uuid;

const CAT_USERS: &str = "UserManagement";
const CAT_UNITS: &str = "AdministrativeUnit";
const CAT_ROLES: &str = "RoleManagement";
const CAT_SETTINGS: &str = "Policy";

fn uuid_of(s: &str) -> Uuid {
    Uuid::parse_str(s).unwrap_or_default()
}

/// Records a refused action and returns the 403 to answer with.
async fn deny(
    state: &AppState,
    ctx: &AuthContext,
    activity: &'static str,
    category: &'static str,
    target: Option<TargetResource>,
    code: &'static str,
    detail: &str,
) -> ApiError {
    let mut event = Event::failure(activity, category, code.to_owned());
    if let Some(t) = target {
        event = event.target(t);
    }
    if let Err(e) = audit::record_alone(&state.store, &ctx.initiator, state.now_us(), event).await {
        return e.into();
    }
    ApiError::forbidden(code, detail)
}

/// Directory reads are open to My Staff users and to directory managers.
async fn require_reader(state: &AppState, ctx: &AuthContext) -> ApiResult<()> {
    if rules::may_manage_directory(&ctx.grants) {
        return Ok(());
    }
    require_my_staff(state, ctx).await
}

fn assignment_dto(row: AssignmentRow) -> Option<dto::RoleAssignment> {
    let role: Role = row.role.parse().ok()?;
    Some(dto::RoleAssignment {
        id: Uuid::parse_str(&row.id).ok()?,
        principal_id: Uuid::parse_str(&row.principal_id).ok()?,
        principal_display_name: row.principal_display_name,
        role_display_name: role.display_name().to_owned(),
        role,
        scope: Scope::from_storage(&row.scope)?,
        scope_display_name: row.scope_display_name,
        created_at: super::from_us(row.created_at),
    })
}

pub async fn me(state: &AppState, ctx: &AuthContext) -> ApiResult<Me> {
    let assignments = db::assignments_of(state.store.reader(), ctx.user_id()).await?;
    Ok(Me {
        id: uuid_of(ctx.user_id()),
        user_principal_name: ctx.user.user_principal_name.clone(),
        display_name: ctx.user.display_name.clone(),
        job_title: ctx.user.job_title.clone(),
        department: ctx.user.department.clone(),
        source: ctx.user.source(),
        role_assignments: assignments.into_iter().filter_map(assignment_dto).collect(),
        my_staff_access: my_staff_status(state, ctx).await?,
        can_manage_directory: rules::may_manage_directory(&ctx.grants),
        can_manage_role_assignments: rules::may_manage_role_assignments(&ctx.grants),
    })
}

/// The locations the caller manages: all of them for tenant-wide admins.
pub async fn my_units(
    state: &AppState,
    ctx: &AuthContext,
    page: &PageRequest,
) -> ApiResult<Page<dto::AdministrativeUnit>> {
    require_my_staff(state, ctx).await?;
    let p = page.parse()?;
    let tenant_wide = ctx.grants.iter().any(|g| g.scope == Scope::Directory);
    let only = if tenant_wide {
        None
    } else {
        Some(ctx.user_id())
    };
    let rows = db::list_units(state.store.reader(), &p.terms, only, &p.after, p.limit + 1).await?;
    Ok(page_of(
        rows,
        p.limit,
        |r| (r.sort_key.clone(), r.id.clone()),
        |rows| rows.into_iter().map(|r| unit_dto(ctx, r)).collect(),
    ))
}

pub async fn list_units(
    state: &AppState,
    ctx: &AuthContext,
    page: &PageRequest,
) -> ApiResult<Page<dto::AdministrativeUnit>> {
    require_reader(state, ctx).await?;
    let p = page.parse()?;
    let rows = db::list_units(state.store.reader(), &p.terms, None, &p.after, p.limit + 1).await?;
    Ok(page_of(
        rows,
        p.limit,
        |r| (r.sort_key.clone(), r.id.clone()),
        |rows| rows.into_iter().map(|r| unit_dto(ctx, r)).collect(),
    ))
}

async fn load_unit(state: &AppState, id: &str) -> ApiResult<db::UnitRow> {
    let id = parse_id(id, "location")?;
    db::get_unit(state.store.reader(), &id)
        .await?
        .ok_or_else(|| ApiError::NotFound("No location has this id.".to_owned()))
}

pub async fn get_unit(
    state: &AppState,
    ctx: &AuthContext,
    id: &str,
) -> ApiResult<dto::AdministrativeUnit> {
    require_reader(state, ctx).await?;
    Ok(unit_dto(ctx, load_unit(state, id).await?))
}

pub async fn members(
    state: &AppState,
    ctx: &AuthContext,
    unit_id: &str,
    page: &PageRequest,
) -> ApiResult<Page<dto::User>> {
    require_reader(state, ctx).await?;
    let unit = load_unit(state, unit_id).await?;
    let p = page.parse()?;
    let rows = db::list_members(
        state.store.reader(),
        &unit.id,
        &p.terms,
        &p.after,
        p.limit + 1,
    )
    .await?;
    let page = page_of(rows, p.limit, |r| (r.sort_key.clone(), r.id.clone()), |r| r);
    Ok(Page {
        items: user_dtos(state, ctx, page.items).await?,
        next_cursor: page.next_cursor,
    })
}

pub async fn list_users(
    state: &AppState,
    ctx: &AuthContext,
    page: &PageRequest,
) -> ApiResult<Page<dto::User>> {
    require_reader(state, ctx).await?;
    let p = page.parse()?;
    let rows = db::list_users(state.store.reader(), &p.terms, &p.after, p.limit + 1).await?;
    let page = page_of(rows, p.limit, |r| (r.sort_key.clone(), r.id.clone()), |r| r);
    Ok(Page {
        items: user_dtos(state, ctx, page.items).await?,
        next_cursor: page.next_cursor,
    })
}

async fn load_user(state: &AppState, id: &str) -> ApiResult<db::UserRow> {
    let id = parse_id(id, "user")?;
    db::get_user(state.store.reader(), &id)
        .await?
        .ok_or_else(|| ApiError::NotFound("No user has this id.".to_owned()))
}

pub async fn get_user(state: &AppState, ctx: &AuthContext, id: &str) -> ApiResult<dto::User> {
    require_reader(state, ctx).await?;
    let row = load_user(state, id).await?;
    user_dtos(state, ctx, vec![row])
        .await?
        .pop()
        .ok_or_else(|| ApiError::NotFound("No user has this id.".to_owned()))
}

/// Explains whether the caller may take `action` on a user.
pub async fn explain(
    state: &AppState,
    ctx: &AuthContext,
    id: &str,
    action: &str,
) -> ApiResult<Decision> {
    require_reader(state, ctx).await?;
    let action: Action = action.parse().map_err(|_| {
        ApiError::field(
            "action",
            "invalid_value",
            "action must be one of read, reset_password, manage_phone_methods, manage_directory.",
        )
    })?;
    let row = load_user(state, id).await?;
    let ids = [row.id.as_str()];
    let roles = db::roles_for_users(state.store.reader(), &ids)
        .await?
        .remove(&row.id)
        .unwrap_or_default();
    let units = db::memberships_for_users(state.store.reader(), &ids)
        .await?
        .remove(&row.id)
        .unwrap_or_default();
    let memberships = db::rule_memberships(&units);
    let me = uuid_of(ctx.user_id());
    Ok(rules::decide(
        action,
        super::actor(ctx, &me),
        Target {
            user_id: uuid_of(&row.id),
            roles: &roles,
            memberships: &memberships,
        },
    ))
}

fn collect<T>(errors: &mut Vec<FieldError>, r: Result<T, FieldError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

pub async fn create_user(
    state: &AppState,
    ctx: &AuthContext,
    req: dto::CreateUser,
) -> ApiResult<dto::User> {
    const ACTIVITY: &str = "Create user";
    if !rules::may_manage_directory(&ctx.grants) {
        return Err(deny(
            state,
            ctx,
            ACTIVITY,
            CAT_USERS,
            None,
            "directory_admin_required",
            "Only tenant-wide global or user administrators can create users.",
        )
        .await);
    }
    let mut errors = Vec::new();
    let upn = collect(
        &mut errors,
        UserPrincipalName::parse(&req.user_principal_name),
    );
    let name = collect(&mut errors, DisplayName::parse(&req.display_name));
    let mail = collect(&mut errors, optional_mail(req.mail.as_deref()));
    let job = collect(
        &mut errors,
        optional_text("job_title", req.job_title.as_deref(), 128),
    );
    let dept = collect(
        &mut errors,
        optional_text("department", req.department.as_deref(), 128),
    );
    if let (Some(upn), Some(name)) = (&upn, &name) {
        errors.extend(check_cloud_password(
            &state.policy.cloud(),
            "password",
            &req.password,
            upn.as_str(),
            name.as_str(),
        ));
    }
    let (Some(upn), Some(name), Some(mail), Some(job), Some(dept)) = (upn, name, mail, job, dept)
    else {
        return Err(ApiError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let hash = state.hasher.hash(&Secret::new(req.password)).await?;
    let id = Uuid::now_v7().to_string();
    let now = state.now_us();
    let mut tx = state.store.begin().await?;
    let inserted = db::insert_user(
        &mut tx,
        &db::NewUser {
            id: &id,
            user_principal_name: upn.as_str(),
            display_name: name.as_str(),
            mail: mail.as_deref(),
            job_title: job.as_deref(),
            department: dept.as_deref(),
            account_enabled: req.account_enabled.unwrap_or(true),
            source: req.source,
            password_hash: &hash,
            force_password_change: false,
            now,
        },
    )
    .await;
    match inserted {
        Err(StoreError::Conflict) => {
            return Err(ApiError::conflict(
                "upn_taken",
                format!("Another user already signs in as {}.", upn.as_str()),
            ))
        }
        other => other?,
    }
    let event = Event::success(ACTIVITY, CAT_USERS).target(
        TargetResource::user(&id, name.as_str())
            .with("user_principal_name", None, Some(upn.as_str().to_owned()))
            .with("display_name", None, Some(name.as_str().to_owned()))
            .with("source", None, Some(req.source.id().to_owned())),
    );
    audit::record(&mut tx, &ctx.initiator, now, event).await?;
    let row = db::get_user(&mut *tx, &id)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("created user vanished")))?;
    tx.commit().await.map_err(StoreError::Other)?;
    user_dtos(state, ctx, vec![row])
        .await?
        .pop()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("created user vanished")))
}

pub async fn create_unit(
    state: &AppState,
    ctx: &AuthContext,
    req: dto::CreateAdministrativeUnit,
) -> ApiResult<dto::AdministrativeUnit> {
    const ACTIVITY: &str = "Create administrative unit";
    if !rules::may_manage_directory(&ctx.grants) {
        return Err(deny(
            state,
            ctx,
            ACTIVITY,
            CAT_UNITS,
            None,
            "directory_admin_required",
            "Only tenant-wide global or user administrators can create locations.",
        )
        .await);
    }
    let mut errors = Vec::new();
    let name = collect(&mut errors, DisplayName::parse(&req.display_name));
    let desc = collect(
        &mut errors,
        optional_text("description", req.description.as_deref(), 1024),
    );
    let (Some(name), Some(desc)) = (name, desc) else {
        return Err(ApiError::Validation(errors));
    };
    let id = Uuid::now_v7().to_string();
    let now = state.now_us();
    let mut tx = state.store.begin().await?;
    db::insert_unit(
        &mut tx,
        &id,
        name.as_str(),
        desc.as_deref(),
        req.restricted,
        now,
    )
    .await?;
    let event = Event::success(ACTIVITY, CAT_UNITS)
        .target(
            TargetResource::unit(&id, name.as_str())
                .with("display_name", None, Some(name.as_str().to_owned()))
                .with("restricted", None, Some(req.restricted.to_string())),
        )
        .units([id.clone()]);
    audit::record(&mut tx, &ctx.initiator, now, event).await?;
    let row = db::get_unit(&mut *tx, &id)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("created location vanished")))?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(unit_dto(ctx, row))
}

/// Adds (`add = true`) or removes a member, under the membership rule.
pub async fn change_membership(
    state: &AppState,
    ctx: &AuthContext,
    unit_id: &str,
    user_id: &str,
    add: bool,
) -> ApiResult<()> {
    let activity = if add {
        "Add member to administrative unit"
    } else {
        "Remove member from administrative unit"
    };
    let unit = load_unit(state, unit_id).await?;
    let unit_uuid = uuid_of(&unit.id);
    if !rules::may_manage_membership(&ctx.grants, unit_uuid, unit.restricted) {
        let detail = if unit.restricted {
            "This location is restricted: only its own user administrators can change its members."
        } else {
            "Only tenant-wide global or user administrators can change location members."
        };
        return Err(deny(
            state,
            ctx,
            activity,
            CAT_UNITS,
            Some(TargetResource::unit(&unit.id, &unit.display_name)),
            "membership_not_permitted",
            detail,
        )
        .await);
    }
    let user_id = Uuid::parse_str(user_id)
        .map(|u| u.to_string())
        .map_err(|_| ApiError::field("user_id", "invalid_value", "user_id must be a user id."))?;
    let user = db::get_user(state.store.reader(), &user_id)
        .await?
        .ok_or_else(|| {
            if add {
                ApiError::field("user_id", "not_found", "No user has this id.")
            } else {
                ApiError::NotFound("No user has this id.".to_owned())
            }
        })?;
    let now = state.now_us();
    let mut tx = state.store.begin().await?;
    let changed = if add {
        db::add_member(&mut tx, &unit.id, &user.id, now).await?
    } else {
        db::remove_member(&mut tx, &unit.id, &user.id).await?
    };
    if !changed {
        tx.rollback().await.map_err(StoreError::Other)?;
        return Err(if add {
            ApiError::conflict(
                "already_member",
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
    let event = Event::success(activity, CAT_UNITS)
        .target(TargetResource::unit(&unit.id, &unit.display_name))
        .target(TargetResource::user(&user.id, &user.display_name).with(
            "administrative_unit",
            old,
            new,
        ))
        .units([unit.id.clone()]);
    audit::record(&mut tx, &ctx.initiator, now, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(())
}

fn require_role_admin(ctx: &AuthContext) -> bool {
    rules::may_manage_role_assignments(&ctx.grants)
}

pub async fn list_assignments(
    state: &AppState,
    ctx: &AuthContext,
    principal_id: Option<&str>,
    unit_id: Option<&str>,
    page: &PageRequest,
) -> ApiResult<Page<dto::RoleAssignment>> {
    if !require_role_admin(ctx) && !rules::may_manage_directory(&ctx.grants) {
        return Err(ApiError::forbidden(
            "directory_admin_required",
            "Only tenant-wide global or user administrators can list role assignments.",
        ));
    }
    let principal = principal_id.map(|p| parse_id(p, "user")).transpose()?;
    let unit = unit_id.map(|u| parse_id(u, "location")).transpose()?;
    let p = page.parse()?;
    if p.after
        .as_ref()
        .is_some_and(|(k, _)| k.parse::<i64>().is_err())
    {
        return Err(ApiError::bad_request(
            "invalid_cursor",
            "The cursor is not one this server issued.",
        ));
    }
    let rows = db::list_assignments(
        state.store.reader(),
        principal.as_deref(),
        unit.as_deref(),
        &p.after,
        p.limit + 1,
    )
    .await?;
    Ok(page_of(
        rows,
        p.limit,
        |r| (format!("{:020}", r.created_at), r.id.clone()),
        |rows| rows.into_iter().filter_map(assignment_dto).collect(),
    ))
}

pub async fn create_assignment(
    state: &AppState,
    ctx: &AuthContext,
    req: dto::CreateRoleAssignment,
) -> ApiResult<dto::RoleAssignment> {
    const ACTIVITY: &str = "Add scoped role member";
    let principal = db::get_user(state.store.reader(), &req.principal_id.to_string()).await?;
    if !require_role_admin(ctx) {
        let target = principal
            .as_ref()
            .map(|p| TargetResource::user(&p.id, &p.display_name));
        return Err(deny(
            state,
            ctx,
            ACTIVITY,
            CAT_ROLES,
            target,
            "global_admin_required",
            "Only global administrators can assign roles.",
        )
        .await);
    }
    let principal = principal
        .ok_or_else(|| ApiError::field("principal_id", "not_found", "No user has this id."))?;
    if !rules::scope_allowed_for_role(req.role, &req.scope) {
        return Err(ApiError::field(
            "scope",
            "scope_not_allowed",
            format!(
                "{} can only be assigned for the whole directory.",
                req.role.display_name()
            ),
        ));
    }
    let mut unit_name = None;
    let mut unit_ids = Vec::new();
    if let Scope::AdministrativeUnit { id } = req.scope {
        let unit = db::get_unit(state.store.reader(), &id.to_string())
            .await?
            .ok_or_else(|| ApiError::field("scope", "not_found", "No location has this id."))?;
        unit_name = Some(unit.display_name);
        unit_ids.push(unit.id);
    }
    let id = Uuid::now_v7().to_string();
    let now = state.now_us();
    let mut tx = state.store.begin().await?;
    match db::insert_assignment(&mut tx, &id, &principal.id, req.role, &req.scope, now).await {
        Err(StoreError::Conflict) => {
            return Err(ApiError::conflict(
                "assignment_exists",
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
    let event = Event::success(ACTIVITY, CAT_ROLES)
        .target(
            TargetResource::user(&principal.id, &principal.display_name)
                .with("role", None, Some(req.role.id().to_owned()))
                .with("scope", None, Some(scope_words)),
        )
        .units(unit_ids);
    audit::record(&mut tx, &ctx.initiator, now, event).await?;
    let row = db::get_assignment(&mut *tx, &id)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("created assignment vanished")))?;
    tx.commit().await.map_err(StoreError::Other)?;
    assignment_dto(row)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("stored assignment unreadable")))
}

pub async fn delete_assignment(state: &AppState, ctx: &AuthContext, id: &str) -> ApiResult<()> {
    const ACTIVITY: &str = "Remove scoped role member";
    let id = parse_id(id, "role assignment")?;
    let row = db::get_assignment(state.store.reader(), &id).await?;
    if !require_role_admin(ctx) {
        let target = row
            .as_ref()
            .map(|r| TargetResource::user(&r.principal_id, &r.principal_display_name));
        return Err(deny(
            state,
            ctx,
            ACTIVITY,
            CAT_ROLES,
            target,
            "global_admin_required",
            "Only global administrators can remove role assignments.",
        )
        .await);
    }
    let row =
        row.ok_or_else(|| ApiError::NotFound("No role assignment has this id.".to_owned()))?;
    if row.principal_id == ctx.user_id()
        && row.role == Role::GlobalAdministrator.id()
        && row.scope == "directory"
    {
        return Err(ApiError::conflict("last_own_global_admin",
            "You cannot remove your own Global Administrator role; ask another global administrator."));
    }
    let now = state.now_us();
    let mut tx = state.store.begin().await?;
    if !db::delete_assignment(&mut tx, &id).await? {
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
        .map(|u| u.to_string());
    let event = Event::success(ACTIVITY, CAT_ROLES)
        .target(
            TargetResource::user(&row.principal_id, &row.principal_display_name)
                .with("role", Some(row.role.clone()), None)
                .with("scope", Some(scope_words), None),
        )
        .units(unit_ids);
    audit::record(&mut tx, &ctx.initiator, now, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(())
}

pub async fn get_settings(state: &AppState, ctx: &AuthContext) -> ApiResult<MyStaffSettings> {
    if !rules::may_manage_directory(&ctx.grants) {
        return Err(ApiError::forbidden(
            "directory_admin_required",
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
    const ACTIVITY: &str = "Update My Staff settings";
    if !rules::may_manage_directory(&ctx.grants) {
        return Err(deny(
            state,
            ctx,
            ACTIVITY,
            CAT_SETTINGS,
            Some(TargetResource::setting("my_staff")),
            "directory_admin_required",
            "Only tenant-wide global or user administrators can change this setting.",
        )
        .await);
    }
    req.selected_user_ids.sort();
    req.selected_user_ids.dedup();
    if req.selected_user_ids.len() > 10_000 {
        return Err(ApiError::field(
            "selected_user_ids",
            "too_many",
            "At most 10,000 users can be selected.",
        ));
    }
    let ids: Vec<String> = req.selected_user_ids.iter().map(Uuid::to_string).collect();
    let existing = db::existing_user_ids(state.store.reader(), &ids).await?;
    if let Some(missing) = ids.iter().find(|id| !existing.contains(id)) {
        return Err(ApiError::field(
            "selected_user_ids",
            "not_found",
            format!("No user has the id {missing}."),
        ));
    }
    let old = my_staff_settings(&state.store).await?;
    let json = serde_json::to_string(&req).map_err(|e| ApiError::Internal(e.into()))?;
    let now = state.now_us();
    let mut tx = state.store.begin().await?;
    db::put_setting(&mut tx, "my_staff", &json).await?;
    let access_str = |s: &MyStaffSettings| {
        serde_json::to_value(s.access)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
    };
    let event = Event::success(ACTIVITY, CAT_SETTINGS).target(
        TargetResource::setting("my_staff")
            .with("access", access_str(&old), access_str(&req))
            .with(
                "selected_user_count",
                Some(old.selected_user_ids.len().to_string()),
                Some(req.selected_user_ids.len().to_string()),
            ),
    );
    audit::record(&mut tx, &ctx.initiator, now, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(req)
}

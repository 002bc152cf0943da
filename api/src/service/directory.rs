//! Reading the directory (the manager surface) and setting it up (directory
//! management): users, locations, membership, role assignments, My Staff setting.

use super::accounts::{decide, enforce, subject};
use super::{
    my_staff_settings, my_staff_status, page_of, parse_id, require_my_staff, require_reader,
    unit_dto, user_dtos, AppState, PageRequest,
};
use crate::audit::{self, Event, TargetResource};
use crate::auth::password::Secret;
use crate::auth::AuthContext;
use crate::domain::{
    check_cloud_password, optional_mail, optional_text, DisplayName, UserPrincipalName,
};
use crate::error::{ApiError, ApiResult};
use crate::store::directory::{self as db, AssignmentRow};
use crate::store::{encode_cursor, StoreError};
use shared::dto::{self, FieldError, Me, MyStaffSettings, Page};
use shared::rules::{self, Action, Decision};
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
        // A refused change to a location is visible to that location's managers.
        if t.type_ == "administrative_unit" {
            event = event.units([t.id.clone()]);
        }
        event = event.target(t);
    }
    if let Err(e) = audit::record_alone(&state.store, &ctx.initiator, state.now_us(), event).await {
        return e.into();
    }
    ApiError::forbidden(code, detail)
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
        my_staff_access: my_staff_status(ctx)?,
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
    require_my_staff(ctx)?;
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
    require_reader(ctx)?;
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
    require_reader(ctx)?;
    Ok(unit_dto(ctx, load_unit(state, id).await?))
}

pub async fn members(
    state: &AppState,
    ctx: &AuthContext,
    unit_id: &str,
    page: &PageRequest,
) -> ApiResult<Page<dto::User>> {
    require_reader(ctx)?;
    let unit_id = parse_id(unit_id, "location")?;
    let p = page.parse()?;
    let rows = db::list_members(
        state.store.reader(),
        &unit_id,
        &p.terms,
        &p.after,
        p.limit + 1,
    )
    .await?;
    if rows.is_empty() {
        // Members exist only in existing locations; an empty page may be a wrong id.
        load_unit(state, &unit_id).await?;
    }
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
    require_reader(ctx)?;
    let p = page.parse()?;
    if p.terms.is_empty() {
        let rows = db::list_users(state.store.reader(), &p.terms, &p.after, p.limit + 1).await?;
        let page = page_of(rows, p.limit, |r| (r.sort_key.clone(), r.id.clone()), |r| r);
        return Ok(Page {
            items: user_dtos(state, ctx, page.items).await?,
            next_cursor: page.next_cursor,
        });
    }
    // A short page that ran out of its search budget resumes at (not after) a row.
    let start = p
        .after
        .as_ref()
        .map(|(key, id)| match key.strip_prefix(RESUME_MARK) {
            Some(key) => (key, id.as_str(), true),
            None => (key.as_str(), id.as_str(), false),
        });
    let found = db::search_users(
        state.store.reader(),
        state.store.backend,
        &p.terms,
        start,
        p.limit + 1,
        state.policy.search_step_budget,
    )
    .await?;
    let mut page = page_of(
        found.rows,
        p.limit,
        |r| (r.sort_key.clone(), r.id.clone()),
        |r| r,
    );
    if page.next_cursor.is_none() {
        page.next_cursor = found
            .resume_at
            .map(|(key, id)| encode_cursor(&format!("{RESUME_MARK}{key}"), &id));
    }
    Ok(Page {
        items: user_dtos(state, ctx, page.items).await?,
        next_cursor: page.next_cursor,
    })
}

/// Marks a search cursor that resumes at its row rather than after it (sort keys
/// never hold control characters).
const RESUME_MARK: char = '\u{2}';

async fn load_user(state: &AppState, id: &str) -> ApiResult<db::UserRow> {
    let id = parse_id(id, "user")?;
    db::get_user(state.store.reader(), &id)
        .await?
        .ok_or_else(|| ApiError::NotFound("No user has this id.".to_owned()))
}

pub async fn get_user(state: &AppState, ctx: &AuthContext, id: &str) -> ApiResult<dto::User> {
    require_reader(ctx)?;
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
    require_reader(ctx)?;
    let action: Action = action.parse().map_err(|_| {
        ApiError::field(
            "action",
            "invalid_value",
            "action must be one of read, reset_password, manage_phone_methods, manage_directory.",
        )
    })?;
    let s = subject(state, id).await?;
    Ok(decide(ctx, action, &s))
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

/// `PATCH /users/{id}`.
pub async fn update_user(
    state: &AppState,
    ctx: &AuthContext,
    id: &str,
    req: dto::UpdateUser,
) -> ApiResult<dto::User> {
    const ACTIVITY: &str = "Update user";
    let s = subject(state, id).await?;
    enforce(state, ctx, Action::ManageDirectory, ACTIVITY, &s).await?;
    let row = &s.row;
    let mut errors = Vec::new();
    let name = match &req.display_name {
        Some(n) => collect(&mut errors, DisplayName::parse(n)).map(|n| n.as_str().to_owned()),
        None => Some(row.display_name.clone()),
    };
    let text = |errors: &mut Vec<FieldError>,
                field: &str,
                new: &Option<String>,
                old: &Option<String>| match new {
        Some(v) => collect(errors, optional_text(field, Some(v), 128)),
        None => Some(old.clone()),
    };
    let job = text(&mut errors, "job_title", &req.job_title, &row.job_title);
    let dept = text(&mut errors, "department", &req.department, &row.department);
    let mail = match &req.mail {
        Some(m) => collect(&mut errors, optional_mail(Some(m))),
        None => Some(row.mail.clone()),
    };
    let (Some(name), Some(job), Some(dept), Some(mail)) = (name, job, dept, mail) else {
        return Err(ApiError::Validation(errors));
    };
    let enabled = req.account_enabled.unwrap_or(row.account_enabled);
    let target = s
        .resource()
        .with_if_changed(
            "display_name",
            Some(row.display_name.clone()),
            Some(name.clone()),
        )
        .with_if_changed("mail", row.mail.clone(), mail.clone())
        .with_if_changed("job_title", row.job_title.clone(), job.clone())
        .with_if_changed("department", row.department.clone(), dept.clone())
        .with_if_changed(
            "account_enabled",
            Some(row.account_enabled.to_string()),
            Some(enabled.to_string()),
        );
    if !target.modified_properties.is_empty() {
        let now = state.now_us();
        let mut tx = state.store.begin().await?;
        db::update_user(
            &mut tx,
            &row.id,
            &row.user_principal_name,
            &db::UserUpdate {
                display_name: &name,
                mail: mail.as_deref(),
                job_title: job.as_deref(),
                department: dept.as_deref(),
                account_enabled: enabled,
                end_sessions: row.account_enabled && !enabled,
            },
            now,
        )
        .await?;
        let event = Event::success(ACTIVITY, CAT_USERS)
            .target(target)
            .units(s.unit_ids());
        audit::record(&mut tx, &ctx.initiator, now, event).await?;
        tx.commit().await.map_err(StoreError::Other)?;
    }
    get_user(state, ctx, &row.id).await
}

/// Who may edit or delete a location: the same rule as its membership.
async fn enforce_unit(
    state: &AppState,
    ctx: &AuthContext,
    unit: &db::UnitRow,
    activity: &'static str,
) -> ApiResult<()> {
    if rules::may_manage_membership(&ctx.grants, uuid_of(&unit.id), unit.restricted) {
        return Ok(());
    }
    let detail = if unit.restricted {
        "This location is restricted: only its own user administrators can change it."
    } else {
        "Only tenant-wide global or user administrators can change locations."
    };
    Err(deny(
        state,
        ctx,
        activity,
        CAT_UNITS,
        Some(TargetResource::unit(&unit.id, &unit.display_name)),
        "directory_admin_required",
        detail,
    )
    .await)
}

/// `PATCH /administrative-units/{id}`; `restricted` is immutable.
pub async fn update_unit(
    state: &AppState,
    ctx: &AuthContext,
    id: &str,
    req: dto::UpdateAdministrativeUnit,
) -> ApiResult<dto::AdministrativeUnit> {
    const ACTIVITY: &str = "Update administrative unit";
    let unit = load_unit(state, id).await?;
    enforce_unit(state, ctx, &unit, ACTIVITY).await?;
    let mut errors = Vec::new();
    if req.restricted.is_some_and(|r| r != unit.restricted) {
        errors.push(FieldError {
            field: "restricted".to_owned(),
            code: "immutable".to_owned(),
            message:
                "Whether a location is restricted is set when it is created and cannot change."
                    .to_owned(),
        });
    }
    let name = match &req.display_name {
        Some(n) => collect(&mut errors, DisplayName::parse(n)).map(|n| n.as_str().to_owned()),
        None => Some(unit.display_name.clone()),
    };
    let desc = match &req.description {
        Some(d) => collect(&mut errors, optional_text("description", Some(d), 1024)),
        None => Some(unit.description.clone()),
    };
    let (Some(name), Some(desc)) = (name, desc) else {
        return Err(ApiError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let target = TargetResource::unit(&unit.id, &unit.display_name)
        .with_if_changed(
            "display_name",
            Some(unit.display_name.clone()),
            Some(name.clone()),
        )
        .with_if_changed("description", unit.description.clone(), desc.clone());
    if !target.modified_properties.is_empty() {
        let now = state.now_us();
        let mut tx = state.store.begin().await?;
        db::update_unit(&mut tx, &unit.id, &name, desc.as_deref(), now).await?;
        let event = Event::success(ACTIVITY, CAT_UNITS)
            .target(target)
            .units([unit.id.clone()]);
        audit::record(&mut tx, &ctx.initiator, now, event).await?;
        tx.commit().await.map_err(StoreError::Other)?;
    }
    get_unit(state, ctx, &unit.id).await
}

/// `DELETE /administrative-units/{id}`: its memberships and scoped roles go too.
pub async fn delete_unit(state: &AppState, ctx: &AuthContext, id: &str) -> ApiResult<()> {
    const ACTIVITY: &str = "Delete administrative unit";
    let unit = load_unit(state, id).await?;
    enforce_unit(state, ctx, &unit, ACTIVITY).await?;
    let now = state.now_us();
    let mut tx = state.store.begin().await?;
    if !db::delete_unit(&mut tx, &unit.id).await? {
        return Err(ApiError::NotFound("No location has this id.".to_owned()));
    }
    let event = Event::success(ACTIVITY, CAT_UNITS)
        .target(TargetResource::unit(&unit.id, &unit.display_name).with(
            "member_count",
            Some(unit.member_count.to_string()),
            None,
        ))
        .units([unit.id.clone()]);
    audit::record(&mut tx, &ctx.initiator, now, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(())
}

/// Most rows one import takes.
pub const IMPORT_MAX_ROWS: usize = 1000;

/// `POST /users/import`: one transaction per row, so a failed row writes nothing
/// and the others still land. Created users get a temporary password (shown once in
/// the answer) that they must change at first sign-in.
pub async fn import_users(
    state: &AppState,
    ctx: &AuthContext,
    csv_text: &str,
) -> ApiResult<dto::ImportResult> {
    const ACTIVITY: &str = "Create user";
    if !rules::may_manage_directory(&ctx.grants) {
        return Err(deny(
            state,
            ctx,
            "Bulk import users",
            CAT_USERS,
            None,
            "directory_admin_required",
            "Only tenant-wide global or user administrators can import users.",
        )
        .await);
    }
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(csv_text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|_| ApiError::field("csv", "invalid_csv", "The first line must be a header row."))?
        .iter()
        .map(|h| h.to_lowercase().replace([' ', '-'], "_"))
        .collect();
    const KNOWN: [&str; 7] = [
        "user_principal_name",
        "display_name",
        "mail",
        "job_title",
        "department",
        "source",
        "administrative_unit",
    ];
    let unknown: Vec<&String> = headers
        .iter()
        .filter(|h| !KNOWN.contains(&h.as_str()))
        .collect();
    if !unknown.is_empty()
        || !headers.iter().any(|h| h == "user_principal_name")
        || !headers.iter().any(|h| h == "display_name")
    {
        return Err(ApiError::field("csv", "invalid_header", format!(
            "The header must name user_principal_name and display_name, and may name {}; unknown: {}.",
            KNOWN[2..].join(", "),
            unknown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        )));
    }
    let col = |rec: &csv::StringRecord, name: &str| -> Option<String> {
        headers
            .iter()
            .position(|h| h == name)
            .and_then(|i| rec.get(i))
            .map(str::to_owned)
            .filter(|s| !s.is_empty())
    };
    let records: Vec<Result<csv::StringRecord, csv::Error>> = reader.records().collect();
    if records.len() > IMPORT_MAX_ROWS {
        return Err(ApiError::field(
            "csv",
            "too_many_rows",
            format!("Import at most {IMPORT_MAX_ROWS} rows at a time."),
        ));
    }
    let mut rows = Vec::new();
    let (mut created, mut failed) = (0u32, 0u32);
    for (i, rec) in records.into_iter().enumerate() {
        let row_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let outcome = match rec {
            Err(_) => Err((
                String::new(),
                vec![FieldError {
                    field: "csv".into(),
                    code: "invalid_row".into(),
                    message: "This row does not have the same columns as the header.".into(),
                }],
            )),
            Ok(rec) => import_row(state, ctx, &rec, &col, ACTIVITY).await?,
        };
        rows.push(match outcome {
            Ok((upn, id, pw)) => {
                created += 1;
                dto::ImportRow {
                    row: row_no,
                    user_principal_name: upn,
                    status: "created".into(),
                    user_id: Some(id),
                    temporary_password: Some(pw),
                    errors: Vec::new(),
                }
            }
            Err((upn, errors)) => {
                failed += 1;
                dto::ImportRow {
                    row: row_no,
                    user_principal_name: upn,
                    status: "failed".into(),
                    user_id: None,
                    temporary_password: None,
                    errors,
                }
            }
        });
    }
    Ok(dto::ImportResult {
        created,
        failed,
        rows,
    })
}

type RowOutcome = Result<(String, Uuid, String), (String, Vec<FieldError>)>;

async fn import_row(
    state: &AppState,
    ctx: &AuthContext,
    rec: &csv::StringRecord,
    col: &impl Fn(&csv::StringRecord, &str) -> Option<String>,
    activity: &'static str,
) -> ApiResult<RowOutcome> {
    let raw_upn = col(rec, "user_principal_name").unwrap_or_default();
    let mut errors = Vec::new();
    let upn = collect(&mut errors, UserPrincipalName::parse(&raw_upn));
    let name = collect(
        &mut errors,
        DisplayName::parse(&col(rec, "display_name").unwrap_or_default()),
    );
    let mail = collect(&mut errors, optional_mail(col(rec, "mail").as_deref()));
    let job = collect(
        &mut errors,
        optional_text("job_title", col(rec, "job_title").as_deref(), 128),
    );
    let dept = collect(
        &mut errors,
        optional_text("department", col(rec, "department").as_deref(), 128),
    );
    let source = match col(rec, "source").as_deref() {
        None => Some(dto::UserSource::Cloud),
        Some(s) => dto::UserSource::from_id(s).or_else(|| {
            errors.push(FieldError {
                field: "source".into(),
                code: "invalid_value".into(),
                message: "source must be cloud or on_premises.".into(),
            });
            None
        }),
    };
    let mut unit = None;
    if let Some(u) = col(rec, "administrative_unit") {
        let found = match Uuid::parse_str(&u) {
            Ok(id) => db::get_unit(state.store.reader(), &id.to_string())
                .await?
                .into_iter()
                .collect(),
            Err(_) => db::units_named(state.store.reader(), &u).await?,
        };
        match found.as_slice() {
            [one]
                if rules::may_manage_membership(&ctx.grants, uuid_of(&one.id), one.restricted) =>
            {
                unit = Some(one.clone())
            }
            [one] => errors.push(FieldError {
                field: "administrative_unit".into(),
                code: "membership_not_permitted".into(),
                message: format!(
                    "{} is restricted: only its own administrators can add members.",
                    one.display_name
                ),
            }),
            [] => errors.push(FieldError {
                field: "administrative_unit".into(),
                code: "not_found".into(),
                message: format!("No location is called {u}."),
            }),
            _ => errors.push(FieldError {
                field: "administrative_unit".into(),
                code: "ambiguous".into(),
                message: format!("Several locations are called {u}; use its id."),
            }),
        }
    }
    let (Some(upn), Some(name), Some(mail), Some(job), Some(dept), Some(source), true) =
        (upn, name, mail, job, dept, source, errors.is_empty())
    else {
        return Ok(Err((raw_upn, errors)));
    };
    let password = crate::auth::password::generate(18);
    let hash = state.hasher.hash(&password).await?;
    let id = Uuid::now_v7();
    let id_s = id.to_string();
    let now = state.now_us();
    let expires = now + i64::from(state.policy.temp_password_ttl_hours) * 3_600_000_000;
    let mut tx = state.store.begin().await?;
    let inserted = db::insert_user(
        &mut tx,
        &db::NewUser {
            id: &id_s,
            user_principal_name: upn.as_str(),
            display_name: name.as_str(),
            mail: mail.as_deref(),
            job_title: job.as_deref(),
            department: dept.as_deref(),
            account_enabled: true,
            source,
            password_hash: &hash,
            force_password_change: true,
            now,
        },
    )
    .await;
    match inserted {
        Err(StoreError::Conflict) => {
            return Ok(Err((
                raw_upn,
                vec![FieldError {
                    field: "user_principal_name".into(),
                    code: "upn_taken".into(),
                    message: format!("Another user already signs in as {}.", upn.as_str()),
                }],
            )));
        }
        other => other?,
    }
    crate::store::accounts::expire_password_at(&mut tx, &id_s, expires).await?;
    let mut event = Event::success(activity, CAT_USERS).target(
        TargetResource::user(&id_s, name.as_str())
            .with("user_principal_name", None, Some(upn.as_str().to_owned()))
            .with("source", None, Some(source.id().to_owned()))
            .with("import", None, Some("csv".to_owned())),
    );
    if let Some(unit) = &unit {
        db::add_member(&mut tx, &unit.id, &id_s, now).await?;
        event = event.units([unit.id.clone()]);
        audit::record(&mut tx, &ctx.initiator, now, event).await?;
        let member = Event::success("Add member to administrative unit", CAT_UNITS)
            .target(TargetResource::unit(&unit.id, &unit.display_name))
            .target(TargetResource::user(&id_s, name.as_str()).with(
                "administrative_unit",
                None,
                Some(unit.display_name.clone()),
            ))
            .units([unit.id.clone()]);
        audit::record(&mut tx, &ctx.initiator, now, member).await?;
    } else {
        audit::record(&mut tx, &ctx.initiator, now, event).await?;
    }
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(Ok((
        upn.as_str().to_owned(),
        id,
        password.expose().to_owned(),
    )))
}

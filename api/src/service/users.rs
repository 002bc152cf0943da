//! Users: org-wide search, profiles, explaining decisions, creating and editing.

use crate::audit::{self, Event, TargetResource};
use crate::auth::password::Secret;
use crate::auth::AuthContext;
use crate::domain::{
    check_cloud_password, collect, optional_mail, optional_text, DisplayName, UserPrincipalName,
};
use crate::error::{ApiError, ApiResult};
use crate::service::authz::{decide, deny, enforce, require_reader, subject};
use crate::service::paging::{page_of, parse_id, PageRequest, RESUME_MARK};
use crate::service::views::user_dtos;
use crate::state::AppState;
use crate::store::{encode_cursor, StoreError};
use shared::audit::Activity;
use shared::dto::{self, FieldError, Page};
use shared::rules::{self, Action, Decision};
use shared::{ErrorCode, FieldErrorCode};

pub async fn list_users(
    state: &AppState,
    ctx: &AuthContext,
    page: &PageRequest,
) -> ApiResult<Page<dto::User>> {
    require_reader(ctx)?;
    let p = page.parse()?;
    if p.terms.is_empty() {
        let rows =
            crate::store::users::list_users(state.store.reader(), &p.terms, &p.after, p.limit + 1)
                .await?;
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
    let found = crate::store::search::leapfrog::search_users(
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

async fn load_user(state: &AppState, id: &str) -> ApiResult<crate::store::users::UserRow> {
    let id = parse_id(id, "user")?;
    crate::store::users::get_user(state.store.reader(), &id)
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
            FieldErrorCode::InvalidValue,
            "action must be one of read, reset_password, manage_phone_methods, manage_directory.",
        )
    })?;
    let s = subject(state, id).await?;
    Ok(decide(ctx, action, &s))
}

pub async fn create_user(
    state: &AppState,
    ctx: &AuthContext,
    req: dto::CreateUser,
) -> ApiResult<dto::User> {
    const ACTIVITY: Activity = Activity::CreateUser;
    if !rules::may_manage_directory(&ctx.grants) {
        return Err(deny(
            state,
            ctx,
            ACTIVITY,
            None,
            ErrorCode::DirectoryAdminRequired,
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
    let id = state.new_id();
    let now = state.now_us();
    let mut tx = state.store.begin().await?;
    let inserted = crate::store::users::insert_user(
        &mut tx,
        &crate::store::users::NewUser {
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
                ErrorCode::UpnTaken,
                format!("Another user already signs in as {}.", upn.as_str()),
            ))
        }
        other => other?,
    }
    let event = Event::success(ACTIVITY).target(
        TargetResource::user(&id, name.as_str())
            .with("user_principal_name", None, Some(upn.as_str().to_owned()))
            .with("display_name", None, Some(name.as_str().to_owned()))
            .with("source", None, Some(req.source.id().to_owned())),
    );
    audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
    let row = crate::store::users::get_user(&mut *tx, &id)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("created user vanished")))?;
    tx.commit().await.map_err(StoreError::Other)?;
    user_dtos(state, ctx, vec![row])
        .await?
        .pop()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("created user vanished")))
}

/// `PATCH /users/{id}`.
pub async fn update_user(
    state: &AppState,
    ctx: &AuthContext,
    id: &str,
    req: dto::UpdateUser,
) -> ApiResult<dto::User> {
    const ACTIVITY: Activity = Activity::UpdateUser;
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
        crate::store::users::update_user(
            &mut tx,
            &row.id,
            &row.user_principal_name,
            &crate::store::users::UserUpdate {
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
        let event = Event::success(ACTIVITY).target(target).units(s.unit_ids());
        audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
        tx.commit().await.map_err(StoreError::Other)?;
    }
    get_user(state, ctx, &row.id).await
}

//! Users: org-wide search, profiles, explaining decisions, creating and editing.

use crate::audit::{self, Event};
use crate::auth::password::Secret;
use crate::auth::AuthContext;
use crate::domain::{check_cloud_password, collect, optional_mail, optional_text, DisplayName};
use crate::error::{ApiError, ApiResult};
use crate::service::authz::{decide, deny, enforce, require_reader, subject};
use crate::service::new_user::{insert_new_user, FirstPassword, NewUserDraft, RawUser};
use crate::service::paging::{page_of, parse_id, PageRequest, RESUME_MARK};
use crate::service::views::{profile_dtos, user_dtos};
use crate::state::AppState;
use crate::store::{encode_cursor, StoreError};
use shared::audit::Activity;
use shared::dto::{self, FieldError, Page};
use shared::patterns::USER_ATTRIBUTE_MAX;
use shared::rules::{self, Action, Decision};
use shared::UserId;
use shared::{ErrorCode, FieldErrorCode};

pub async fn list_users(
    state: &AppState,
    ctx: &AuthContext,
    page: &PageRequest,
) -> ApiResult<Page<dto::User>> {
    require_reader(ctx)?;
    let p = page.parse()?;
    if p.terms.is_empty() {
        let rows = crate::store::users::list_users(
            state.store.reader(),
            state.store.backend,
            &p.terms,
            &p.after,
            p.limit + 1,
            ctx.confirm(),
        )
        .await?;
        return Ok(page_of(
            rows,
            p.limit,
            |r| (r.user.sort_key.clone(), r.user.id.to_string()),
            |rows| profile_dtos(state, ctx, rows),
        ));
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
        ctx.confirm(),
    )
    .await?;
    let mut page = page_of(
        found.rows,
        p.limit,
        |r| (r.user.sort_key.clone(), r.user.id.to_string()),
        |rows| profile_dtos(state, ctx, rows),
    );
    if page.next_cursor.is_none() {
        page.next_cursor = found
            .resume_at
            .map(|(key, id)| encode_cursor(&format!("{RESUME_MARK}{key}"), &id));
    }
    Ok(page)
}

pub async fn get_user(state: &AppState, ctx: &AuthContext, id: &str) -> ApiResult<dto::User> {
    require_reader(ctx)?;
    let id = parse_id::<UserId>(id, "user")?;
    let profile = crate::store::users::get_profile(
        state.store.reader(),
        state.store.backend,
        id,
        ctx.confirm(),
    )
    .await?;
    profile_dtos(state, ctx, profile.into_iter().collect())
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

/// Directory managers only; a refusal is audited.
async fn require_user_creator(state: &AppState, ctx: &AuthContext) -> ApiResult<()> {
    if rules::may_manage_directory(&ctx.principal.grants) {
        return Ok(());
    }
    Err(deny(
        state,
        ctx,
        Activity::CreateUser,
        None,
        ErrorCode::DirectoryAdminRequired,
        "Only tenant-wide global or user administrators can create users.",
    )
    .await)
}

pub async fn create_user(
    state: &AppState,
    ctx: &AuthContext,
    req: dto::CreateUser,
) -> ApiResult<dto::User> {
    // Refused before the body is judged, so a caller who may not create users learns
    // nothing from validation.
    require_user_creator(state, ctx).await?;
    let draft = NewUserDraft::parse(
        RawUser {
            user_principal_name: &req.user_principal_name,
            display_name: &req.display_name,
            mail: req.mail.as_deref(),
            job_title: req.job_title.as_deref(),
            department: req.department.as_deref(),
        },
        req.source,
        req.account_enabled.unwrap_or(true),
    );
    // The password is checked against the names only once they are valid.
    let mut errors = match &draft {
        Ok(d) => check_cloud_password(
            &state.policy.cloud(),
            "password",
            &req.password,
            d.upn.as_str(),
            d.name.as_str(),
        ),
        Err(errors) => errors.clone(),
    };
    let draft = match draft {
        Ok(d) if errors.is_empty() => d,
        _ => return Err(ApiError::Validation(std::mem::take(&mut errors))),
    };
    let hash = state.hasher.hash(&Secret::new(req.password)).await?;
    create_user_with_hash(state, ctx, &draft, &hash).await
}

/// [`create_user`] once the fields are parsed and the password is checked and hashed:
/// the authorization check, the row, its audit event and the answer. The command line
/// calls it with one hash for every demo account.
pub async fn create_user_with_hash(
    state: &AppState,
    ctx: &AuthContext,
    draft: &NewUserDraft,
    hash: &str,
) -> ApiResult<dto::User> {
    require_user_creator(state, ctx).await?;
    let id = state.ids.new_id().into();
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let inserted = insert_new_user(
        &mut tx,
        &ctx.initiator,
        now,
        &*state.ids,
        id,
        draft,
        FirstPassword::Chosen { hash },
        &[],
        &[],
    )
    .await;
    match inserted {
        Err(StoreError::Conflict) => {
            return Err(ApiError::conflict(
                ErrorCode::UpnTaken,
                format!("Another user already signs in as {}.", draft.upn.as_str()),
            ))
        }
        other => other?,
    }
    let row = crate::store::users::get_user(&mut *tx, id)
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
        Some(v) => collect(errors, optional_text(field, Some(v), USER_ATTRIBUTE_MAX)),
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
    // A synced user's name is the directory's: changed there, it would be undone by
    // the next sync (and its sign-in name is not editable here at all).
    if name != row.display_name
        && crate::store::directory::external_id(state.store.reader(), row.id)
            .await?
            .is_some()
    {
        return Err(ApiError::conflict(
            ErrorCode::ManagedByDirectory,
            "This person's name comes from your on-premises Active Directory: change it there.",
        ));
    }
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
        let now = state.now();
        let mut tx = state.store.begin().await?;
        crate::store::users::update_user(
            &mut tx,
            row.id,
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
    get_user(state, ctx, &row.id.to_string()).await
}

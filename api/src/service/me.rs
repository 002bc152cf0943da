//! The caller's own account and the locations they manage.

use crate::auth::AuthContext;
use crate::error::{ApiError, ApiResult};
use crate::service::authz::{my_staff_status, require_my_staff};
use crate::service::paging::{page_of, PageRequest};
use crate::service::views::{assignment_dto, unit_dto};
use crate::state::AppState;
use shared::dto::{self, Me, MyApplication, Page, PhoneMethods};
use shared::rules::{self};
use shared::Scope;

pub async fn me(state: &AppState, ctx: &AuthContext) -> ApiResult<Me> {
    let assignments =
        crate::store::role_assignments::assignments_of(state.store.reader(), ctx.user_id()).await?;
    // The profile fields beyond the principal are read only here.
    let user = crate::store::users::get_user(state.store.reader(), ctx.user_id())
        .await?
        .ok_or_else(|| ApiError::NotFound("Your account no longer exists.".to_owned()))?;
    let password_in_directory = state.directory.is_some()
        && crate::store::accounts::external_id(state.store.reader(), ctx.user_id())
            .await?
            .is_some();
    Ok(Me {
        password_in_directory,
        id: user.id.uuid(),
        source: user.source(),
        user_principal_name: user.user_principal_name,
        display_name: user.display_name,
        job_title: user.job_title,
        department: user.department,
        role_assignments: assignments.into_iter().filter_map(assignment_dto).collect(),
        my_staff_access: my_staff_status(ctx),
        can_manage_directory: rules::may_manage_directory(&ctx.principal.grants),
        can_manage_role_assignments: rules::may_manage_role_assignments(&ctx.principal.grants),
        can_manage_applications: rules::may_manage_applications(&ctx.principal.grants),
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
    let tenant_wide = ctx
        .principal
        .grants
        .iter()
        .any(|g| g.scope == Scope::Directory);
    let only = if tenant_wide {
        None
    } else {
        Some(ctx.user_id())
    };
    let rows = crate::store::units::list_units(
        state.store.reader(),
        &p.terms,
        only,
        &p.after,
        p.limit + 1,
    )
    .await?;
    Ok(page_of(
        rows,
        p.limit,
        |r| (r.sort_key.clone(), r.id.to_string()),
        |rows| rows.into_iter().map(|r| unit_dto(ctx, r)).collect(),
    ))
}

/// The applications the caller may sign in to, each with its start URL. OpenStaff's
/// own are not listed: "My account" is one of them, and links to My Staff itself.
pub async fn my_applications(
    state: &AppState,
    ctx: &AuthContext,
) -> ApiResult<Page<MyApplication>> {
    let rows =
        crate::store::applications::startable_for(state.store.reader(), ctx.user_id()).await?;
    let items = rows
        .into_iter()
        .filter(|r| !shared::first_party::is_first_party(r.id))
        .filter_map(|r| {
            Some(MyApplication {
                id: r.id.uuid(),
                display_name: r.display_name,
                start_url: r.start_url?,
            })
        })
        .collect();
    Ok(Page {
        items,
        next_cursor: None,
    })
}

/// The caller's own sign-in phone numbers, masked: enough to recognise each one, not
/// enough to read a number off a screen left open.
pub async fn my_phone_methods(state: &AppState, ctx: &AuthContext) -> ApiResult<PhoneMethods> {
    let rows = crate::store::phones::phones(state.store.reader(), ctx.user_id()).await?;
    Ok(crate::service::phones::methods_dto(&rows, false))
}

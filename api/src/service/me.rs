//! The caller's own account and the locations they manage.

use crate::auth::AuthContext;
use crate::error::ApiResult;
use crate::service::authz::{my_staff_status, require_my_staff};
use crate::service::paging::{page_of, PageRequest};
use crate::service::views::{assignment_dto, unit_dto, uuid_of};
use crate::state::AppState;
use shared::dto::{self, Me, Page};
use shared::rules::{self};
use shared::Scope;

pub async fn me(state: &AppState, ctx: &AuthContext) -> ApiResult<Me> {
    let assignments =
        crate::store::role_assignments::assignments_of(state.store.reader(), ctx.user_id()).await?;
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
        |r| (r.sort_key.clone(), r.id.clone()),
        |rows| rows.into_iter().map(|r| unit_dto(ctx, r)).collect(),
    ))
}

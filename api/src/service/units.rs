//! Locations (administrative units): reading them and their members, and managing them.

use crate::audit::{self, Event, TargetResource};
use crate::auth::AuthContext;
use crate::domain::{collect, optional_text, DisplayName};
use crate::error::{ApiError, ApiResult};
use crate::service::authz::{deny, require_reader};
use crate::service::paging::{page_of, parse_id, PageRequest};
use crate::service::views::{profile_dtos, unit_dto};
use crate::state::AppState;
use crate::store::StoreError;
use shared::audit::Activity;
use shared::dto::{self, FieldError, Page};
use shared::patterns::DESCRIPTION_MAX;
use shared::rules;
use shared::{ErrorCode, FieldErrorCode, UnitId};

pub async fn list_units(
    state: &AppState,
    ctx: &AuthContext,
    page: &PageRequest,
) -> ApiResult<Page<dto::AdministrativeUnit>> {
    require_reader(ctx)?;
    let p = page.parse()?;
    let rows = crate::store::units::list_units(
        state.store.reader(),
        &p.terms,
        None,
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

pub(crate) async fn load_unit(
    state: &AppState,
    id: UnitId,
) -> ApiResult<crate::store::units::UnitRow> {
    crate::store::units::get_unit(state.store.reader(), id)
        .await?
        .ok_or_else(|| ApiError::NotFound("No location has this id.".to_owned()))
}

pub async fn get_unit(
    state: &AppState,
    ctx: &AuthContext,
    id: &str,
) -> ApiResult<dto::AdministrativeUnit> {
    require_reader(ctx)?;
    Ok(unit_dto(
        ctx,
        load_unit(state, parse_id(id, "location")?).await?,
    ))
}

pub async fn members(
    state: &AppState,
    ctx: &AuthContext,
    unit_id: &str,
    page: &PageRequest,
) -> ApiResult<Page<dto::User>> {
    require_reader(ctx)?;
    let unit_id = parse_id::<UnitId>(unit_id, "location")?;
    let p = page.parse()?;
    let rows = crate::store::membership::list_members(
        state.store.reader(),
        state.store.backend,
        unit_id,
        &p.terms,
        &p.after,
        p.limit + 1,
        ctx.confirm(),
    )
    .await?;
    if rows.is_empty() {
        // Members exist only in existing locations; an empty page may be a wrong id.
        load_unit(state, unit_id).await?;
    }
    Ok(page_of(
        rows,
        p.limit,
        |r| (r.user.sort_key.clone(), r.user.id.to_string()),
        |rows| profile_dtos(state, ctx, rows),
    ))
}

pub async fn create_unit(
    state: &AppState,
    ctx: &AuthContext,
    req: dto::CreateAdministrativeUnit,
) -> ApiResult<dto::AdministrativeUnit> {
    const ACTIVITY: Activity = Activity::CreateAdministrativeUnit;
    if !rules::may_manage_directory(&ctx.principal.grants) {
        return Err(deny(
            state,
            ctx,
            ACTIVITY,
            None,
            ErrorCode::DirectoryAdminRequired,
            "Only tenant-wide global or user administrators can create locations.",
        )
        .await);
    }
    let mut errors = Vec::new();
    let name = collect(&mut errors, DisplayName::parse(&req.display_name));
    let desc = collect(
        &mut errors,
        optional_text("description", req.description.as_deref(), DESCRIPTION_MAX),
    );
    let (Some(name), Some(desc)) = (name, desc) else {
        return Err(ApiError::Validation(errors));
    };
    let id = state.ids.new_id().into();
    let now = state.now();
    let mut tx = state.store.begin().await?;
    crate::store::units::insert_unit(
        &mut tx,
        id,
        name.as_str(),
        desc.as_deref(),
        req.restricted,
        now,
    )
    .await?;
    let event = Event::success(ACTIVITY)
        .target(
            TargetResource::unit(id, name.as_str())
                .with("display_name", None, Some(name.as_str().to_owned()))
                .with("restricted", None, Some(req.restricted.to_string())),
        )
        .units([id]);
    audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
    let row = crate::store::units::get_unit(&mut *tx, id)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("created location vanished")))?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(unit_dto(ctx, row))
}

/// Who may edit or delete a location: the same rule as its membership.
async fn enforce_unit(
    state: &AppState,
    ctx: &AuthContext,
    unit: &crate::store::units::UnitRow,
    activity: Activity,
) -> ApiResult<()> {
    if rules::may_manage_membership(&ctx.principal.grants, unit.id.uuid(), unit.restricted) {
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
        Some(TargetResource::unit(unit.id, &unit.display_name)),
        ErrorCode::DirectoryAdminRequired,
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
    const ACTIVITY: Activity = Activity::UpdateAdministrativeUnit;
    let unit = load_unit(state, parse_id(id, "location")?).await?;
    enforce_unit(state, ctx, &unit, ACTIVITY).await?;
    let mut errors = Vec::new();
    if req.restricted_sent {
        errors.push(FieldError {
            field: "restricted".to_owned(),
            code: FieldErrorCode::Immutable,
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
        Some(d) => collect(
            &mut errors,
            optional_text("description", Some(d), DESCRIPTION_MAX),
        ),
        None => Some(unit.description.clone()),
    };
    let (Some(name), Some(desc)) = (name, desc) else {
        return Err(ApiError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let target = TargetResource::unit(unit.id, &unit.display_name)
        .with_if_changed(
            "display_name",
            Some(unit.display_name.clone()),
            Some(name.clone()),
        )
        .with_if_changed("description", unit.description.clone(), desc.clone());
    if !target.modified_properties.is_empty() {
        let now = state.now();
        let mut tx = state.store.begin().await?;
        crate::store::units::update_unit(&mut tx, unit.id, &name, desc.as_deref(), now).await?;
        let event = Event::success(ACTIVITY).target(target).units([unit.id]);
        audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
        tx.commit().await.map_err(StoreError::Other)?;
    }
    get_unit(state, ctx, &unit.id.to_string()).await
}

/// `DELETE /administrative-units/{id}`: its memberships and scoped roles go too.
pub async fn delete_unit(state: &AppState, ctx: &AuthContext, id: &str) -> ApiResult<()> {
    const ACTIVITY: Activity = Activity::DeleteAdministrativeUnit;
    let unit = load_unit(state, parse_id(id, "location")?).await?;
    enforce_unit(state, ctx, &unit, ACTIVITY).await?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    if !crate::store::units::delete_unit(&mut tx, unit.id).await? {
        return Err(ApiError::NotFound("No location has this id.".to_owned()));
    }
    let event = Event::success(ACTIVITY)
        .target(TargetResource::unit(unit.id, &unit.display_name).with(
            "member_count",
            Some(unit.member_count.to_string()),
            None,
        ))
        .units([unit.id]);
    audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(())
}

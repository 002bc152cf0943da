//! Applications: the relying parties that sign their users in with OpenStaff.
//! Managed by tenant-wide global administrators (as in Entra ID); each change is
//! audited in its own transaction, and a refusal is audited like any other.
//!
//! A confidential application's secret is 256 random bits, shown once and stored as
//! its SHA-256: a slow password hash would buy nothing against a secret that cannot
//! be guessed, and the token endpoint checks it on every request.

use crate::audit::{self, Event, TargetResource};
use crate::auth::AuthContext;
use crate::domain::{collect, optional_url, redirect_uris, DisplayName};
use crate::error::{ApiError, ApiResult};
use crate::service::authz::deny;
use crate::service::paging::parse_id;
use crate::state::AppState;
use crate::state::ClockAndIds;
use crate::store::applications::{self as apps, audience_text, client_type_text, ApplicationRow};
use crate::store::{Store, StoreError};
use shared::audit::Activity;
use shared::dto::{
    self, ClientType, CreateApplication, IdTokenAlg, Page, SignInAudience, UpdateApplication,
};
use shared::{first_party, ApplicationId, ErrorCode, FieldErrorCode, UnitId};

/// A new random secret (256 bits, base64url) and its stored hash.
pub fn new_secret() -> (String, String) {
    let secret = crate::auth::random_secret();
    let hash = crate::auth::secret_hash(&secret);
    (secret, hash)
}

async fn require_admin(
    state: &AppState,
    ctx: &AuthContext,
    activity: Activity,
    target: Option<TargetResource>,
) -> ApiResult<()> {
    if shared::rules::may_manage_applications(ctx.grants()) {
        return Ok(());
    }
    Err(deny(
        state,
        ctx,
        activity,
        target,
        ErrorCode::ApplicationAdminRequired,
        "Only tenant-wide global administrators can manage applications.",
    )
    .await)
}

/// Reads are refused without an audit event, as other reads are.
fn require_admin_to_read(ctx: &AuthContext) -> ApiResult<()> {
    if shared::rules::may_manage_applications(ctx.grants()) {
        return Ok(());
    }
    Err(ApiError::forbidden(
        ErrorCode::ApplicationAdminRequired,
        "Only tenant-wide global administrators can manage applications.",
    ))
}

pub fn to_dto(row: &ApplicationRow, units: Vec<UnitId>) -> dto::Application {
    dto::Application {
        id: row.id.uuid(),
        client_id: row.id.to_string(),
        display_name: row.display_name.clone(),
        start_url: row.start_url.clone(),
        redirect_uris: row.redirect_uris(),
        post_logout_redirect_uris: row.post_logout_redirect_uris(),
        client_type: row.client_type(),
        sign_in_audience: row.sign_in_audience(),
        allowed_unit_ids: units.into_iter().map(UnitId::uuid).collect(),
        id_token_signed_response_alg: row.id_token_alg(),
        created_at: row.created_at.to_datetime(),
        updated_at: row.updated_at.to_datetime(),
    }
}

fn json_list(uris: &[String]) -> String {
    serde_json::to_string(uris).unwrap_or_else(|_| "[]".to_owned())
}

/// Checks that every location exists; a 422 naming the field otherwise.
async fn check_units(store: &Store, ids: &[uuid::Uuid]) -> ApiResult<Vec<UnitId>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let unit = UnitId::from(*id);
        if crate::store::units::get_unit(store.reader(), unit)
            .await?
            .is_none()
        {
            return Err(ApiError::field(
                "allowed_unit_ids",
                FieldErrorCode::NotFound,
                format!("No location has the id {id}."),
            ));
        }
        if !out.contains(&unit) {
            out.push(unit);
        }
    }
    if out.len() > 200 {
        return Err(ApiError::field(
            "allowed_unit_ids",
            FieldErrorCode::TooMany,
            "At most 200 locations.",
        ));
    }
    Ok(out)
}

fn audience_needs_units(audience: SignInAudience, units: &[UnitId]) -> ApiResult<()> {
    if audience == SignInAudience::Locations && units.is_empty() {
        return Err(ApiError::field(
            "allowed_unit_ids",
            FieldErrorCode::Required,
            "Choose at least one location whose members may sign in.",
        ));
    }
    Ok(())
}

pub async fn list(state: &AppState, ctx: &AuthContext) -> ApiResult<Page<dto::Application>> {
    require_admin_to_read(ctx)?;
    let mut rows = apps::list(state.store.reader()).await?;
    rows.retain(|r| !first_party::is_first_party(r.id));
    let pairs = apps::all_units(state.store.reader()).await?;
    let items = rows
        .iter()
        .map(|r| {
            let units = pairs
                .iter()
                .filter(|(a, _)| *a == r.id)
                .map(|(_, u)| *u)
                .collect();
            to_dto(r, units)
        })
        .collect();
    Ok(Page {
        items,
        next_cursor: None,
    })
}

/// An application administrators manage: OpenStaff's own are not among them.
async fn managed(state: &AppState, id: ApplicationId) -> ApiResult<Option<ApplicationRow>> {
    Ok(apps::get(state.store.reader(), id)
        .await?
        .filter(|a| !first_party::is_first_party(a.id)))
}

async fn load(state: &AppState, id: ApplicationId) -> ApiResult<ApplicationRow> {
    managed(state, id)
        .await?
        .ok_or_else(|| ApiError::NotFound("No application has this id.".to_owned()))
}

pub async fn get(state: &AppState, ctx: &AuthContext, id: &str) -> ApiResult<dto::Application> {
    require_admin_to_read(ctx)?;
    let row = load(state, parse_id(id, "application")?).await?;
    let units = apps::units_of(state.store.reader(), row.id).await?;
    Ok(to_dto(&row, units))
}

/// Validated fields of a new application.
pub struct NewApplication {
    pub display_name: String,
    pub start_url: Option<String>,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub client_type: ClientType,
    pub sign_in_audience: SignInAudience,
    pub units: Vec<UnitId>,
    pub id_token_alg: IdTokenAlg,
}

pub async fn validate_new(store: &Store, req: CreateApplication) -> ApiResult<NewApplication> {
    let mut errors = Vec::new();
    let name = collect(&mut errors, DisplayName::parse(&req.display_name));
    let start = collect(
        &mut errors,
        optional_url("start_url", req.start_url.as_deref()),
    );
    let redirects = collect(
        &mut errors,
        redirect_uris("redirect_uris", &req.redirect_uris, true),
    );
    let logouts = collect(
        &mut errors,
        redirect_uris(
            "post_logout_redirect_uris",
            &req.post_logout_redirect_uris,
            false,
        ),
    );
    let (Some(name), Some(start), Some(redirects), Some(logouts)) =
        (name, start, redirects, logouts)
    else {
        return Err(ApiError::Validation(errors));
    };
    let units = check_units(store, &req.allowed_unit_ids).await?;
    audience_needs_units(req.sign_in_audience, &units)?;
    Ok(NewApplication {
        display_name: name.as_str().to_owned(),
        start_url: start,
        redirect_uris: redirects,
        post_logout_redirect_uris: logouts,
        client_type: req.client_type,
        sign_in_audience: req.sign_in_audience,
        units,
        id_token_alg: req.id_token_signed_response_alg,
    })
}

/// Stores a validated application and audits it with `initiator`; the answer holds
/// the secret of a confidential application, once.
pub async fn insert(
    store: &Store,
    time: &ClockAndIds,
    initiator: &crate::audit::Initiator,
    new: NewApplication,
) -> ApiResult<dto::ApplicationWithSecret> {
    let now = time.now();
    let id = ApplicationId::from(time.ids.new_id());
    let secret = (new.client_type == ClientType::Confidential).then(new_secret);
    let row = ApplicationRow {
        id,
        display_name: new.display_name,
        start_url: new.start_url,
        redirect_uris: json_list(&new.redirect_uris),
        post_logout_redirect_uris: json_list(&new.post_logout_redirect_uris),
        client_type: client_type_text(new.client_type).to_owned(),
        secret_hash: secret.as_ref().map(|(_, h)| h.clone()),
        sign_in_audience: audience_text(new.sign_in_audience).to_owned(),
        id_token_signed_response_alg: new.id_token_alg.as_str().to_owned(),
        created_at: now,
        updated_at: now,
    };
    let mut tx = store.begin().await?;
    apps::insert(&mut tx, &row).await?;
    apps::set_units(&mut tx, id, &new.units).await?;
    let event = Event::success(Activity::AddApplication).target(
        TargetResource::application(id, &row.display_name)
            .with("display_name", None, Some(row.display_name.clone()))
            .with("client_type", None, Some(row.client_type.clone()))
            .with("redirect_uris", None, Some(row.redirect_uris.clone()))
            .with("sign_in_audience", None, Some(row.sign_in_audience.clone()))
            .with(
                "id_token_signed_response_alg",
                None,
                Some(row.id_token_signed_response_alg.clone()),
            ),
    );
    audit::record(&mut tx, initiator, now, &*time.ids, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(dto::ApplicationWithSecret {
        application: to_dto(&row, new.units),
        client_secret: secret.map(|(s, _)| s),
    })
}

pub async fn create(
    state: &AppState,
    ctx: &AuthContext,
    req: CreateApplication,
) -> ApiResult<dto::ApplicationWithSecret> {
    require_admin(state, ctx, Activity::AddApplication, None).await?;
    let new = validate_new(&state.store, req).await?;
    let time = ClockAndIds {
        clock: state.clock.clone(),
        ids: state.ids.clone(),
    };
    insert(&state.store, &time, &ctx.initiator, new).await
}

pub async fn update(
    state: &AppState,
    ctx: &AuthContext,
    id: &str,
    req: UpdateApplication,
) -> ApiResult<dto::Application> {
    const ACTIVITY: Activity = Activity::UpdateApplication;
    let id: ApplicationId = parse_id(id, "application")?;
    let existing = managed(state, id).await?;
    let target = existing
        .as_ref()
        .map(|a| TargetResource::application(a.id, &a.display_name));
    require_admin(state, ctx, ACTIVITY, target).await?;
    let old =
        existing.ok_or_else(|| ApiError::NotFound("No application has this id.".to_owned()))?;
    let old_units = apps::units_of(state.store.reader(), id).await?;
    let mut errors = Vec::new();
    let name = match &req.display_name {
        Some(n) => collect(&mut errors, DisplayName::parse(n)).map(|n| n.as_str().to_owned()),
        None => Some(old.display_name.clone()),
    };
    let start = match &req.start_url {
        Some(s) => collect(&mut errors, optional_url("start_url", Some(s))),
        None => Some(old.start_url.clone()),
    };
    let redirects = match &req.redirect_uris {
        Some(r) => collect(&mut errors, redirect_uris("redirect_uris", r, true)),
        None => Some(old.redirect_uris()),
    };
    let logouts = match &req.post_logout_redirect_uris {
        Some(r) => collect(
            &mut errors,
            redirect_uris("post_logout_redirect_uris", r, false),
        ),
        None => Some(old.post_logout_redirect_uris()),
    };
    let (Some(name), Some(start), Some(redirects), Some(logouts)) =
        (name, start, redirects, logouts)
    else {
        return Err(ApiError::Validation(errors));
    };
    let units = match &req.allowed_unit_ids {
        Some(u) => check_units(&state.store, u).await?,
        None => old_units.clone(),
    };
    let audience = req.sign_in_audience.unwrap_or(old.sign_in_audience());
    audience_needs_units(audience, &units)?;
    let id_token_alg = req
        .id_token_signed_response_alg
        .unwrap_or(old.id_token_alg());
    let now = state.now();
    let row = ApplicationRow {
        display_name: name,
        start_url: start,
        redirect_uris: json_list(&redirects),
        post_logout_redirect_uris: json_list(&logouts),
        sign_in_audience: audience_text(audience).to_owned(),
        id_token_signed_response_alg: id_token_alg.as_str().to_owned(),
        updated_at: now,
        ..old.clone()
    };
    let unit_text = |u: &[UnitId]| {
        Some(
            u.iter()
                .map(UnitId::to_string)
                .collect::<Vec<_>>()
                .join(","),
        )
    };
    let mut tx = state.store.begin().await?;
    apps::update(&mut tx, &row).await?;
    apps::set_units(&mut tx, id, &units).await?;
    let event = Event::success(ACTIVITY).target(
        TargetResource::application(id, &row.display_name)
            .with_if_changed(
                "display_name",
                Some(old.display_name.clone()),
                Some(row.display_name.clone()),
            )
            .with_if_changed("start_url", old.start_url.clone(), row.start_url.clone())
            .with_if_changed(
                "redirect_uris",
                Some(old.redirect_uris.clone()),
                Some(row.redirect_uris.clone()),
            )
            .with_if_changed(
                "post_logout_redirect_uris",
                Some(old.post_logout_redirect_uris.clone()),
                Some(row.post_logout_redirect_uris.clone()),
            )
            .with_if_changed(
                "sign_in_audience",
                Some(old.sign_in_audience.clone()),
                Some(row.sign_in_audience.clone()),
            )
            .with_if_changed("allowed_unit_ids", unit_text(&old_units), unit_text(&units))
            .with_if_changed(
                "id_token_signed_response_alg",
                Some(old.id_token_signed_response_alg.clone()),
                Some(row.id_token_signed_response_alg.clone()),
            ),
    );
    audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(to_dto(&row, units))
}

pub async fn delete(state: &AppState, ctx: &AuthContext, id: &str) -> ApiResult<()> {
    const ACTIVITY: Activity = Activity::DeleteApplication;
    let id: ApplicationId = parse_id(id, "application")?;
    let existing = managed(state, id).await?;
    let target = existing
        .as_ref()
        .map(|a| TargetResource::application(a.id, &a.display_name));
    require_admin(state, ctx, ACTIVITY, target).await?;
    let old =
        existing.ok_or_else(|| ApiError::NotFound("No application has this id.".to_owned()))?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    if !apps::delete(&mut tx, id).await? {
        return Err(ApiError::NotFound("No application has this id.".to_owned()));
    }
    let event = Event::success(ACTIVITY).target(TargetResource::application(id, &old.display_name));
    audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(())
}

/// A new client secret for a confidential application; the old one stops working
/// at once.
pub async fn rotate_secret(
    state: &AppState,
    ctx: &AuthContext,
    id: &str,
) -> ApiResult<dto::ApplicationWithSecret> {
    const ACTIVITY: Activity = Activity::UpdateApplication;
    let id: ApplicationId = parse_id(id, "application")?;
    let existing = managed(state, id).await?;
    let target = existing
        .as_ref()
        .map(|a| TargetResource::application(a.id, &a.display_name));
    require_admin(state, ctx, ACTIVITY, target).await?;
    let row =
        existing.ok_or_else(|| ApiError::NotFound("No application has this id.".to_owned()))?;
    if row.client_type() == ClientType::Public {
        return Err(ApiError::conflict(
            ErrorCode::Conflict,
            "A public application has no secret; it proves itself with PKCE.",
        ));
    }
    let (secret, hash) = new_secret();
    let now = state.now();
    let mut tx = state.store.begin().await?;
    apps::set_secret(&mut tx, id, &hash, now).await?;
    // The secret itself is never recorded; only that it changed.
    let event =
        Event::success(ACTIVITY).target(TargetResource::application(id, &row.display_name).with(
            "client_secret",
            None,
            Some("rotated".to_owned()),
        ));
    audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    let units = apps::units_of(state.store.reader(), id).await?;
    Ok(dto::ApplicationWithSecret {
        application: to_dto(
            &ApplicationRow {
                updated_at: now,
                ..row
            },
            units,
        ),
        client_secret: Some(secret),
    })
}

/// Registers OpenStaff's own applications (see [`shared::first_party`]) with
/// redirect URIs under `issuer`, or brings them up to date (a new public URL).
/// Run at every start; any replica may, and they agree.
pub async fn register_first_party(
    store: &Store,
    issuer: &str,
    now: crate::time::Micros,
) -> anyhow::Result<()> {
    let row = |id, name: &str, redirect: &str, logout: Option<&str>| ApplicationRow {
        id,
        display_name: name.to_owned(),
        start_url: None,
        redirect_uris: json_list(&[format!("{issuer}{redirect}")]),
        post_logout_redirect_uris: json_list(
            &logout
                .map(|l| format!("{issuer}{l}"))
                .into_iter()
                .collect::<Vec<_>>(),
        ),
        client_type: client_type_text(ClientType::Public).to_owned(),
        secret_hash: None,
        sign_in_audience: audience_text(SignInAudience::Everyone).to_owned(),
        id_token_signed_response_alg: IdTokenAlg::default().as_str().to_owned(),
        created_at: now,
        updated_at: now,
    };
    let rows = [
        row(
            first_party::WEB_APP,
            "OpenStaff",
            first_party::WEB_APP_CALLBACK_PATH,
            Some(first_party::WEB_APP_SIGNED_OUT_PATH),
        ),
        row(
            first_party::API_EXPLORER,
            "OpenStaff API explorer",
            first_party::API_EXPLORER_CALLBACK_PATH,
            None,
        ),
    ];
    let mut tx = store.begin().await?;
    for r in &rows {
        apps::upsert(&mut tx, r).await?;
    }
    tx.commit().await?;
    Ok(())
}

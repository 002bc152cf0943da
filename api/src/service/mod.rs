//! The service layer: every operation parses its input, asks the rules in `shared`
//! whether the caller may do it, runs it in one transaction with its audit event, and
//! returns wire types. Handlers stay thin and hold no SQL.

pub mod accounts;
pub mod audit_log;
pub mod directory;
pub mod signin;

use crate::auth::password::Hasher;
use crate::auth::tokens::KeyRing;
use crate::auth::AuthContext;
use crate::config::PolicyConfig;
use crate::error::{ApiError, ApiResult};
use crate::store::directory::{self as db, UnitRow, UserRow};
use crate::store::{decode_cursor, encode_cursor, Store};
use chrono::{DateTime, Utc};
use shared::dto::{self, MyStaffSettings, MyStaffStatus, Page};
use shared::rules::{self, Actor, MyStaffAccess, Target};
use shared::Role;
use std::sync::Arc;
use uuid::Uuid;

/// The source of "now"; tests can pin it.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Everything a request handler needs, shared across workers.
pub struct AppState {
    pub store: Store,
    pub keys: Arc<KeyRing>,
    pub hasher: Hasher,
    pub clock: Arc<dyn Clock>,
    pub policy: PolicyConfig,
}

impl AppState {
    pub fn now_us(&self) -> i64 {
        self.clock.now().timestamp_micros()
    }

    pub fn now_secs(&self) -> u64 {
        u64::try_from(self.clock.now().timestamp()).unwrap_or(0)
    }
}

pub fn from_us(us: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(us).unwrap_or_default()
}

/// List paging as the API takes it.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub search: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// A validated page request.
pub struct Paging {
    pub terms: Vec<String>,
    pub after: db::After,
    pub limit: i64,
}

/// A list's `limit`: 1 to [`MAX_LIMIT`], [`DEFAULT_LIMIT`] when absent.
pub fn page_limit(limit: Option<u32>) -> ApiResult<i64> {
    match limit {
        None => Ok(DEFAULT_LIMIT),
        Some(l) if (1..=MAX_LIMIT).contains(&i64::from(l)) => Ok(i64::from(l)),
        Some(_) => Err(ApiError::field(
            "limit",
            "out_of_range",
            format!("limit must be between 1 and {MAX_LIMIT}."),
        )),
    }
}

impl PageRequest {
    pub fn parse(&self) -> ApiResult<Paging> {
        let limit = page_limit(self.limit)?;
        let after = match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(decode_cursor(c).ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_cursor",
                    "The cursor is not one this server issued.",
                )
            })?),
        };
        let search = self.search.as_deref().unwrap_or("");
        if search.chars().count() > 200 {
            return Err(ApiError::field(
                "search",
                "too_long",
                "search must be at most 200 characters.",
            ));
        }
        Ok(Paging {
            terms: crate::store::search::query_terms(search),
            after,
            limit,
        })
    }
}

/// Cuts a fetched `limit + 1` rows to a page and its cursor.
pub fn page_of<R, T>(
    mut rows: Vec<R>,
    limit: i64,
    key: impl Fn(&R) -> (String, String),
    map: impl FnOnce(Vec<R>) -> Vec<T>,
) -> Page<T> {
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let next_cursor = if more {
        rows.last().map(|r| {
            let (k, id) = key(r);
            encode_cursor(&k, &id)
        })
    } else {
        None
    };
    Page {
        items: map(rows),
        next_cursor,
    }
}

pub fn parse_id(raw: &str, what: &str) -> ApiResult<String> {
    Uuid::parse_str(raw)
        .map(|u| u.to_string())
        .map_err(|_| ApiError::NotFound(format!("No {what} has this id.")))
}

pub const MY_STAFF_KEY: &str = "my_staff";

pub async fn my_staff_settings(store: &Store) -> ApiResult<MyStaffSettings> {
    parse_my_staff(
        db::get_setting(store.reader(), MY_STAFF_KEY)
            .await?
            .as_deref(),
    )
}

fn parse_my_staff(stored: Option<&str>) -> ApiResult<MyStaffSettings> {
    Ok(match stored {
        Some(json) => serde_json::from_str(json).map_err(|e| ApiError::Internal(e.into()))?,
        None => MyStaffSettings {
            access: MyStaffAccess::All,
            selected_user_ids: Vec::new(),
        },
    })
}

/// Whether My Staff is on for the caller, from the setting read with their identity.
pub fn my_staff_status(ctx: &AuthContext) -> ApiResult<MyStaffStatus> {
    let settings = parse_my_staff(ctx.my_staff_setting.as_deref())?;
    let me = Uuid::parse_str(ctx.user_id()).unwrap_or_default();
    Ok(
        match rules::my_staff_gate(
            me,
            !ctx.grants.is_empty(),
            settings.access,
            &settings.selected_user_ids,
        ) {
            Ok(()) => MyStaffStatus {
                enabled: true,
                reason: None,
            },
            Err(block) => MyStaffStatus {
                enabled: false,
                reason: Some(block),
            },
        },
    )
}

/// The manager-surface gate of SPEC section 2.
pub fn require_my_staff(ctx: &AuthContext) -> ApiResult<()> {
    let status = my_staff_status(ctx)?;
    match status.reason {
        None => Ok(()),
        Some(block) => Err(ApiError::forbidden(
            block.code(),
            match block {
                rules::MyStaffBlock::NoAdminRole => {
                    "You have no admin role, so there is nothing to manage here."
                }
                rules::MyStaffBlock::MyStaffNotEnabled => {
                    "My Staff is not turned on for you. Ask your administrator."
                }
            },
        )),
    }
}

pub fn actor<'a>(ctx: &'a AuthContext, id: &'a Uuid) -> Actor<'a> {
    Actor {
        user_id: *id,
        grants: &ctx.grants,
    }
}

/// Users as the caller sees them, each with `allowed_actions`.
pub async fn user_dtos(
    state: &AppState,
    ctx: &AuthContext,
    rows: Vec<UserRow>,
) -> ApiResult<Vec<dto::User>> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    let (mut roles, mut units) = db::profiles_for_users(state.store.reader(), &ids).await?;
    let me = Uuid::parse_str(ctx.user_id()).unwrap_or_default();
    Ok(rows
        .into_iter()
        .map(|r| {
            let id = Uuid::parse_str(&r.id).unwrap_or_default();
            let roles: Vec<Role> = roles.remove(&r.id).unwrap_or_default();
            let units = units.remove(&r.id).unwrap_or_default();
            let memberships = db::rule_memberships(&units);
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

/// Directory reads are open to My Staff users and to directory managers.
pub fn require_reader(ctx: &AuthContext) -> ApiResult<()> {
    if rules::may_manage_directory(&ctx.grants) {
        return Ok(());
    }
    require_my_staff(ctx)
}

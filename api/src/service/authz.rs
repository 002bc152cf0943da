//! Authorization in one place: load the subject of an action, decide with the rules in
//! `shared`, and refuse (audited) when they say no; plus the My Staff gate.

use crate::audit::{self, Event, TargetResource};
use crate::auth::AuthContext;
use crate::error::{ApiError, ApiResult};
use crate::service::paging::parse_id;
use crate::service::settings::parse_my_staff;
use crate::state::AppState;
use crate::store::users::UserRow;
use shared::audit::Activity;
use shared::dto::{MyStaffStatus, UnitRef};
use shared::rules::{self, Action, Actor, Decision, Target};
use shared::{ErrorCode, Role};
use uuid::Uuid;

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

/// Directory reads are open to My Staff users and to directory managers.
pub fn require_reader(ctx: &AuthContext) -> ApiResult<()> {
    if rules::may_manage_directory(&ctx.grants) {
        return Ok(());
    }
    require_my_staff(ctx)
}

pub fn actor<'a>(ctx: &'a AuthContext, id: &'a Uuid) -> Actor<'a> {
    Actor {
        user_id: *id,
        grants: &ctx.grants,
    }
}

/// A target user with what the rules need.
pub(crate) struct Subject {
    pub(crate) row: UserRow,
    pub(crate) roles: Vec<Role>,
    pub(crate) units: Vec<UnitRef>,
}

impl Subject {
    pub(crate) fn unit_ids(&self) -> Vec<String> {
        self.units.iter().map(|u| u.id.to_string()).collect()
    }

    pub(crate) fn resource(&self) -> TargetResource {
        TargetResource::user(&self.row.id, &self.row.display_name)
    }
}

pub(crate) async fn subject(state: &AppState, id: &str) -> ApiResult<Subject> {
    let id = parse_id(id, "user")?;
    let row = crate::store::users::get_user(state.store.reader(), &id)
        .await?
        .ok_or_else(|| ApiError::NotFound("No user has this id.".to_owned()))?;
    let ids = [row.id.as_str()];
    let (mut roles, mut units) =
        crate::store::users::profiles_for_users(state.store.reader(), &ids).await?;
    let roles = roles.remove(&row.id).unwrap_or_default();
    let units = units.remove(&row.id).unwrap_or_default();
    Ok(Subject { row, roles, units })
}

/// The shared rules applied to a loaded target.
pub(crate) fn decide(ctx: &AuthContext, action: Action, s: &Subject) -> Decision {
    let me = Uuid::parse_str(ctx.user_id()).unwrap_or_default();
    let memberships = crate::store::membership::rule_memberships(&s.units);
    rules::decide(
        action,
        actor(ctx, &me),
        Target {
            user_id: Uuid::parse_str(&s.row.id).unwrap_or_default(),
            roles: &s.roles,
            memberships: &memberships,
        },
    )
}

/// Enforces `action` on `s`; a refusal is audited under `activity` and answered 403
/// with the denial's code and plain words.
pub(crate) async fn enforce(
    state: &AppState,
    ctx: &AuthContext,
    action: Action,
    activity: Activity,
    s: &Subject,
) -> ApiResult<()> {
    let decision = decide(ctx, action, s);
    let Some(denial) = decision.denial.filter(|_| !decision.allowed) else {
        return Ok(());
    };
    let event = Event::failure(activity, denial.code().as_str())
        .target(s.resource())
        .units(s.unit_ids());
    audit::record_alone(state, &ctx.initiator, event).await?;
    Err(ApiError::forbidden(denial.code(), denial.message(action)))
}

/// Records a refused action and returns the 403 to answer with.
pub(crate) async fn deny(
    state: &AppState,
    ctx: &AuthContext,
    activity: Activity,
    target: Option<TargetResource>,
    code: ErrorCode,
    detail: &str,
) -> ApiError {
    let mut event = Event::failure(activity, code.as_str());
    if let Some(t) = target {
        // A refused change to a location is visible to that location's managers.
        if t.type_ == "administrative_unit" {
            event = event.units([t.id.clone()]);
        }
        event = event.target(t);
    }
    if let Err(e) = audit::record_alone(state, &ctx.initiator, event).await {
        return e.into();
    }
    ApiError::forbidden(code, detail)
}

//! Authorization in one place: load the subject of an action, decide with the rules in
//! `shared`, and refuse (audited) when they say no; plus the My Staff gate.
//!
//! A change is decided inside its own write transaction ([`begin_decided`]): the
//! target's roles and locations and the actor's grants are read by the transaction
//! that records the change, so a role granted to the target (or taken from the actor)
//! a moment earlier is seen. The decision on the read pool ([`enforce`]) only answers
//! early, before any password is hashed.

use crate::audit::{self, Event, TargetResource};
use crate::auth::AuthContext;
use crate::error::{ApiError, ApiResult};
use crate::service::paging::parse_id;
use crate::state::AppState;
use crate::store::users::UserRow;
use crate::store::{StoreError, Tx};
use shared::audit::Activity;
use shared::dto::{MyStaffStatus, UnitRef};
use shared::rules::{self, Action, Actor, Decision, Denial, Grant, Target};
use shared::{ErrorCode, Role, UnitId, UserId};
use sqlx::AnyConnection;

/// Whether My Staff is on for the caller (decided when the request was authenticated).
pub fn my_staff_status(ctx: &AuthContext) -> MyStaffStatus {
    ctx.principal.my_staff.clone()
}

/// The manager-surface gate of SPEC section 2.
pub fn require_my_staff(ctx: &AuthContext) -> ApiResult<()> {
    match ctx.principal.my_staff.reason {
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
    if rules::may_manage_directory(ctx.grants()) {
        return Ok(());
    }
    require_my_staff(ctx)
}

/// A target user with what the rules need.
pub(crate) struct Subject {
    pub(crate) row: UserRow,
    pub(crate) roles: Vec<Role>,
    pub(crate) units: Vec<UnitRef>,
}

impl Subject {
    pub(crate) fn unit_ids(&self) -> Vec<UnitId> {
        self.units.iter().map(|u| UnitId::from(u.id)).collect()
    }

    pub(crate) fn resource(&self) -> TargetResource {
        TargetResource::user(self.row.id, &self.row.display_name)
    }

    fn target<'a>(&'a self, memberships: &'a [rules::Membership]) -> Target<'a> {
        Target {
            user_id: self.row.id.uuid(),
            roles: &self.roles,
            memberships,
        }
    }
}

/// Reads a target with its roles and locations on `conn` (from the read pool, or the
/// transaction that will record a change).
async fn load_subject(conn: &mut AnyConnection, id: UserId) -> ApiResult<Option<Subject>> {
    let Some(row) = crate::store::users::get_user(&mut *conn, id).await? else {
        return Ok(None);
    };
    let (mut roles, mut units) = crate::store::users::profiles_for_users(conn, &[id]).await?;
    Ok(Some(Subject {
        roles: roles.remove(&row.id).unwrap_or_default(),
        units: units.remove(&row.id).unwrap_or_default(),
        row,
    }))
}

fn no_such_user() -> ApiError {
    ApiError::NotFound("No user has this id.".to_owned())
}

/// The target of `/users/{id}/…`, read from the read pool.
pub(crate) async fn subject(state: &AppState, id: &str) -> ApiResult<Subject> {
    let id: UserId = parse_id::<UserId>(id, "user")?;
    let mut conn = state
        .store
        .reader()
        .acquire()
        .await
        .map_err(StoreError::Other)?;
    load_subject(&mut conn, id).await?.ok_or_else(no_such_user)
}

fn decide_for(actor: Actor<'_>, action: Action, s: &Subject) -> Decision {
    let memberships = crate::store::membership::rule_memberships(&s.units);
    rules::decide(action, actor, s.target(&memberships))
}

/// The shared rules applied to a loaded target, with the grants the caller had when
/// the request was authenticated.
pub(crate) fn decide(ctx: &AuthContext, action: Action, s: &Subject) -> Decision {
    decide_for(ctx.principal.actor(), action, s)
}

fn refusal(decision: &Decision) -> Option<Denial> {
    decision.denial.filter(|_| !decision.allowed)
}

/// Audits a refused `action` on `s` and makes the 403 to answer with; the event is
/// visible to the managers of the target's locations.
async fn refuse(
    state: &AppState,
    ctx: &AuthContext,
    action: Action,
    activity: Activity,
    s: &Subject,
    denial: Denial,
) -> ApiError {
    let event = Event::failure(activity, denial.code().as_str())
        .target(s.resource())
        .units(s.unit_ids());
    refused(state, ctx, event, denial.code(), denial.message(action)).await
}

/// Refuses early (audited, 403) when the rules already say no on the read pool, so a
/// refused request costs no password hash. The change itself is decided again by
/// [`begin_decided`].
pub(crate) async fn enforce(
    state: &AppState,
    ctx: &AuthContext,
    action: Action,
    activity: Activity,
    s: &Subject,
) -> ApiResult<()> {
    match refusal(&decide(ctx, action, s)) {
        // Checked after the rules, so a request that may never succeed answers 403,
        // not a prompt to sign in again.
        None if action.needs_recent_sign_in() => ctx.require_recent_sign_in(state),
        None => Ok(()),
        Some(denial) => Err(refuse(state, ctx, action, activity, s, denial).await),
    }
}

/// Opens the write transaction of `action` on `target` and decides inside it: both
/// users' rows are locked (PostgreSQL, in id order, so two managers acting on each
/// other cannot deadlock; SQLite's single writer holds `BEGIN IMMEDIATE`), then the
/// target's roles and locations and the actor's grants are read by this transaction.
/// Role grants and membership changes lock the same row, so they either wait for this
/// transaction or are seen by it. A refusal rolls back, is audited and answers 403.
pub(crate) async fn begin_decided(
    state: &AppState,
    ctx: &AuthContext,
    action: Action,
    activity: Activity,
    target: UserId,
) -> ApiResult<(Tx, Subject)> {
    let mut tx = state.store.begin().await?;
    if ctx.is_application() {
        // An application's grants change under its own row's lock.
        crate::store::applications::lock(&mut tx, state.store.backend, ctx.user_id().uuid().into())
            .await?;
        crate::store::users::lock_users(&mut tx, state.store.backend, &[target]).await?;
    } else {
        crate::store::users::lock_users(&mut tx, state.store.backend, &[ctx.user_id(), target])
            .await?;
    }
    let Some(s) = load_subject(&mut tx, target).await? else {
        return Err(no_such_user());
    };
    let grants: Vec<Grant> =
        crate::store::role_assignments::assignments_of(&mut *tx, ctx.user_id())
            .await?
            .iter()
            .filter_map(|a| a.grant())
            .collect();
    let actor = Actor {
        user_id: ctx.user_id().uuid(),
        grants: &grants,
    };
    match refusal(&decide_for(actor, action, &s)) {
        None => Ok((tx, s)),
        Some(denial) => {
            tx.rollback().await.map_err(StoreError::Other)?;
            Err(refuse(state, ctx, action, activity, &s, denial).await)
        }
    }
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
        if let Some(unit) = t.unit {
            event = event.units([unit]);
        }
        event = event.target(t);
    }
    refused(state, ctx, event, code, detail).await
}

/// The one way a refusal ends: its audit event on its own (the change it refused was
/// never written), then the 403.
async fn refused(
    state: &AppState,
    ctx: &AuthContext,
    event: Event,
    code: ErrorCode,
    detail: &str,
) -> ApiError {
    if let Err(e) = audit::record_alone(state, &ctx.initiator, event).await {
        return e.into();
    }
    ApiError::forbidden(code, detail)
}

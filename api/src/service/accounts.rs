//! The manager actions on an account: password reset, the forced change, phone
//! methods. Each decides with the shared rules, runs in one transaction with its
//! audit event, and never lets a password reach a log, an audit row or an error.

use super::{parse_id, require_my_staff, require_reader, AppState};
use crate::audit::{self, Event, TargetResource};
use crate::auth::context::PasswordChangeContext;
use crate::auth::password::{self, Secret};
use crate::auth::AuthContext;
use crate::domain::{check_cloud_password, check_on_premises_password, PhoneNumber};
use crate::error::{ApiError, ApiResult};
use crate::store::accounts::{self, PhoneRow};
use crate::store::directory::{self as db, UserRow};
use crate::store::StoreError;
use sha2::{Digest, Sha256};
use shared::dto::{
    ChangePasswordRequest, PhoneMethod, PhoneMethods, PhoneType, ResetPasswordRequest,
    ResetPasswordResponse, UnitRef, UserSource,
};
use shared::rules::{self, Action, Decision, Target};
use shared::Role;
use uuid::Uuid;

const CAT_USERS: &str = "UserManagement";
const CAT_METHODS: &str = "UserManagement";

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
    let row = db::get_user(state.store.reader(), &id)
        .await?
        .ok_or_else(|| ApiError::NotFound("No user has this id.".to_owned()))?;
    let ids = [row.id.as_str()];
    let (mut roles, mut units) = db::profiles_for_users(state.store.reader(), &ids).await?;
    let roles = roles.remove(&row.id).unwrap_or_default();
    let units = units.remove(&row.id).unwrap_or_default();
    Ok(Subject { row, roles, units })
}

/// The shared rules applied to a loaded target.
pub(crate) fn decide(ctx: &AuthContext, action: Action, s: &Subject) -> Decision {
    let me = Uuid::parse_str(ctx.user_id()).unwrap_or_default();
    let memberships = db::rule_memberships(&s.units);
    rules::decide(
        action,
        super::actor(ctx, &me),
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
    activity: &'static str,
    s: &Subject,
) -> ApiResult<()> {
    let decision = decide(ctx, action, s);
    let Some(denial) = decision.denial.filter(|_| !decision.allowed) else {
        return Ok(());
    };
    let event = Event::failure(activity, CAT_USERS, denial.code().to_owned())
        .target(s.resource())
        .units(s.unit_ids());
    audit::record_alone(&state.store, &ctx.initiator, state.now_us(), event).await?;
    Err(ApiError::forbidden(denial.code(), denial.message(action)))
}

/// `POST /users/{id}/reset-password`.
pub async fn reset_password(
    state: &AppState,
    ctx: &AuthContext,
    id: &str,
    req: ResetPasswordRequest,
    idempotency_key: Option<String>,
) -> ApiResult<ResetPasswordResponse> {
    const ACTIVITY: &str = "Reset password (by admin)";
    require_my_staff(ctx)?;
    let s = subject(state, id).await?;
    enforce(state, ctx, Action::ResetPassword, ACTIVITY, &s).await?;
    if let Some(key) = &idempotency_key {
        if key.is_empty() || key.len() > 128 {
            return Err(ApiError::bad_request(
                "invalid_idempotency_key",
                "Idempotency-Key must be 1 to 128 characters.",
            ));
        }
        if let Some(replay) = replay(state, ctx, key, &s.row.id).await? {
            return Ok(replay);
        }
    }
    let now = state.now_us();
    let (secret, expires_at) = match (s.row.source(), req.password) {
        (UserSource::Cloud, Some(_)) => {
            return Err(ApiError::field(
                "password",
                "not_allowed",
                "Cloud accounts get a generated temporary password; leave the password out.",
            ))
        }
        (UserSource::Cloud, None) => {
            let ttl = i64::from(state.policy.temp_password_ttl_hours) * 3_600_000_000;
            (password::generate(18), Some(now + ttl))
        }
        (UserSource::OnPremises, None) => {
            return Err(ApiError::field(
                "password",
                "required",
                "On-premises accounts need the new password typed in.",
            ))
        }
        (UserSource::OnPremises, Some(typed)) => {
            let errors = check_on_premises_password(
                &state.policy.on_premises(),
                "password",
                &typed,
                &s.row.user_principal_name,
                &s.row.display_name,
            );
            if !errors.is_empty() {
                return Err(ApiError::Validation(errors));
            }
            (Secret::new(typed), None)
        }
    };
    let hash = state.hasher.hash(&secret).await?;
    let response = ResetPasswordResponse {
        temporary_password: None,
        force_change_password_next_sign_in: true,
        expires_at: expires_at.map(super::from_us),
        replayed: false,
    };
    let mut tx = state.store.begin().await?;
    if let Some(key) = &idempotency_key {
        let stored = serde_json::to_string(&ResetPasswordResponse {
            replayed: true,
            ..response.clone()
        })
        .map_err(|e| ApiError::Internal(e.into()))?;
        match accounts::save_outcome(&mut tx, ctx.user_id(), key, &s.row.id, &stored, now).await {
            Err(StoreError::Conflict) => {
                // A concurrent retry with the same key won; answer as it did.
                drop(tx);
                return replay(state, ctx, key, &s.row.id).await?.ok_or_else(|| {
                    ApiError::conflict("idempotency_conflict", "Retry this request.")
                });
            }
            other => other?,
        }
    }
    accounts::set_password(&mut tx, &s.row.id, &hash, true, expires_at, now).await?;
    let event = Event::success(ACTIVITY, CAT_USERS)
        .target(s.resource().with(
            "force_change_password_next_sign_in",
            None,
            Some("true".to_owned()),
        ))
        .units(s.unit_ids());
    audit::record(&mut tx, &ctx.initiator, now, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(ResetPasswordResponse {
        temporary_password: expires_at.map(|_| secret.expose().to_owned()),
        ..response
    })
}

/// The stored outcome of an earlier request with this key, if any.
async fn replay(
    state: &AppState,
    ctx: &AuthContext,
    key: &str,
    target_id: &str,
) -> ApiResult<Option<ResetPasswordResponse>> {
    let mut tx = state.store.begin().await?;
    let found = accounts::idempotent_outcome(&mut tx, ctx.user_id(), key).await?;
    tx.rollback().await.map_err(StoreError::Other)?;
    match found {
        None => Ok(None),
        Some((target, _)) if target != target_id => Err(ApiError::conflict(
            "idempotency_key_reused",
            "This Idempotency-Key was already used for another user.",
        )),
        Some((_, json)) => Ok(Some(
            serde_json::from_str(&json).map_err(|e| ApiError::Internal(e.into()))?,
        )),
    }
}

/// `POST /me/password`: the caller changes their own password (also the way out
/// of a forced change). Ends every token, including the one used here.
pub async fn change_password(
    state: &AppState,
    ctx: &PasswordChangeContext,
    req: ChangePasswordRequest,
) -> ApiResult<()> {
    const ACTIVITY: &str = "Change password (self)";
    let ctx = &ctx.0;
    let account = {
        let mut tx = state.store.begin().await?;
        let a = accounts::by_id(&mut tx, ctx.user_id()).await?;
        tx.rollback().await.map_err(StoreError::Other)?;
        a.ok_or_else(|| ApiError::NotFound("Your account no longer exists.".to_owned()))?
    };
    let current = Secret::new(req.current_password);
    if !state
        .hasher
        .verify(&current, Some(account.password_hash.clone()))
        .await?
    {
        let event = Event::failure(ACTIVITY, CAT_USERS, "current_password_incorrect".to_owned())
            .target(TargetResource::user(&account.id, &account.display_name));
        audit::record_alone(&state.store, &ctx.initiator, state.now_us(), event).await?;
        return Err(ApiError::field(
            "current_password",
            "incorrect",
            "Your current password is not right.",
        ));
    }
    let mut errors = check_cloud_password(
        &state.policy.cloud(),
        "new_password",
        &req.new_password,
        &account.user_principal_name,
        &account.display_name,
    );
    let new = Secret::new(req.new_password);
    let mut reused = state
        .hasher
        .verify(&new, Some(account.password_hash.clone()))
        .await?;
    if let Some(previous) = account.previous_password_hash.clone() {
        reused = reused || state.hasher.verify(&new, Some(previous)).await?;
    }
    if reused {
        errors.push(shared::dto::FieldError {
            field: "new_password".to_owned(),
            code: "password_reused".to_owned(),
            message: "Choose a password you have not used before.".to_owned(),
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let hash = state.hasher.hash(&new).await?;
    let now = state.now_us();
    let mut tx = state.store.begin().await?;
    accounts::set_password(&mut tx, &account.id, &hash, false, None, now).await?;
    let (_, mut units) =
        db::profiles_for_users(state.store.reader(), &[account.id.as_str()]).await?;
    let units = units.remove(&account.id).unwrap_or_default();
    let event = Event::success(ACTIVITY, CAT_USERS)
        .target(TargetResource::user(&account.id, &account.display_name))
        .units(units.iter().map(|u| u.id.to_string()));
    audit::record(&mut tx, &ctx.initiator, now, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(())
}

/// A weak ETag over the phone methods' state.
fn etag(rows: &[PhoneRow]) -> String {
    let mut h = Sha256::new();
    for r in rows {
        h.update(r.method_type.as_bytes());
        h.update(b"\0");
        h.update(r.phone_number.as_bytes());
        h.update(b"\0");
        h.update(r.updated_at.to_le_bytes());
    }
    let digest = h.finalize();
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("W/\"{hex}\"")
}

fn methods_dto(rows: &[PhoneRow], full: bool) -> PhoneMethods {
    PhoneMethods {
        items: rows
            .iter()
            .filter_map(|r| {
                Some(PhoneMethod {
                    type_: PhoneType::from_id(&r.method_type)?,
                    phone_number: if full {
                        r.phone_number.clone()
                    } else {
                        PhoneNumber::mask_e164(&r.phone_number)
                    },
                    masked: !full,
                })
            })
            .collect(),
        etag: etag(rows),
    }
}

/// `GET /users/{id}/phone-methods`: numbers in full only for those who may manage them.
pub async fn phone_methods(
    state: &AppState,
    ctx: &AuthContext,
    id: &str,
) -> ApiResult<PhoneMethods> {
    require_reader(ctx)?;
    let s = subject(state, id).await?;
    let full = decide(ctx, Action::ManagePhoneMethods, &s).allowed;
    let rows = accounts::phones(state.store.reader(), &s.row.id).await?;
    Ok(methods_dto(&rows, full))
}

fn phone_type(raw: &str) -> ApiResult<PhoneType> {
    PhoneType::from_id(raw).ok_or_else(|| {
        ApiError::NotFound("Phone method types are mobile, alternate_mobile and office.".to_owned())
    })
}

fn check_if_match(if_match: Option<&str>, current: &str) -> ApiResult<()> {
    match if_match {
        None => Ok(()),
        Some(v) if v.trim() == "*" => Ok(()),
        Some(v) => {
            let strip = |s: &str| s.trim().trim_start_matches("W/").to_owned();
            if v.split(',').any(|tag| strip(tag) == strip(current)) {
                Ok(())
            } else {
                Err(ApiError::PreconditionFailed)
            }
        }
    }
}

/// `PUT /users/{id}/phone-methods/{type}`.
pub async fn set_phone(
    state: &AppState,
    ctx: &AuthContext,
    id: &str,
    method: &str,
    number: &str,
    if_match: Option<&str>,
) -> ApiResult<PhoneMethods> {
    let kind = phone_type(method)?;
    require_my_staff(ctx)?;
    let s = subject(state, id).await?;
    enforce(
        state,
        ctx,
        Action::ManagePhoneMethods,
        "Register phone number",
        &s,
    )
    .await?;
    let number = PhoneNumber::parse(number, state.policy.default_phone_region.as_deref())
        .map_err(|e| ApiError::Validation(vec![e]))?;
    let now = state.now_us();
    let mut tx = state.store.begin().await?;
    let rows = accounts::phones(&mut *tx, &s.row.id).await?;
    check_if_match(if_match, &etag(&rows))?;
    let old = rows.iter().find(|r| r.method_type == kind.id());
    if old.is_some_and(|o| o.phone_number == number.e164()) {
        return Ok(methods_dto(&rows, true));
    }
    if kind == PhoneType::AlternateMobile && !rows.iter().any(|r| r.method_type == "mobile") {
        return Err(ApiError::conflict(
            "mobile_required",
            "Add a mobile number before an alternate mobile number.",
        ));
    }
    if kind == PhoneType::Mobile {
        if let Some(owner) = accounts::mobile_owner(&mut tx, number.e164()).await? {
            if owner != s.row.id {
                return Err(ApiError::conflict(
                    "phone_number_in_use",
                    "Another person already signs in with this mobile number.",
                ));
            }
        }
    }
    if accounts::has_number(&mut tx, ctx.user_id(), number.e164()).await? {
        return Err(ApiError::conflict(
            "phone_number_is_yours",
            "This is your own phone number. Enter the staff member's number.",
        ));
    }
    match accounts::upsert_phone(&mut tx, &s.row.id, kind.id(), number.e164(), now).await {
        Err(StoreError::Conflict) => {
            return Err(ApiError::conflict(
                "phone_number_in_use",
                "Another person already signs in with this mobile number.",
            ))
        }
        other => other?,
    }
    let activity = if old.is_some() {
        "Change phone number"
    } else {
        "Register phone number"
    };
    let event = Event::success(activity, CAT_METHODS)
        .target(s.resource().with(
            kind.id(),
            old.map(|o| PhoneNumber::mask_e164(&o.phone_number)),
            Some(number.masked()),
        ))
        .units(s.unit_ids());
    audit::record(&mut tx, &ctx.initiator, now, event).await?;
    let rows = accounts::phones(&mut *tx, &s.row.id).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(methods_dto(&rows, true))
}

/// `DELETE /users/{id}/phone-methods/{type}`; returns the new ETag.
pub async fn remove_phone(
    state: &AppState,
    ctx: &AuthContext,
    id: &str,
    method: &str,
    if_match: Option<&str>,
) -> ApiResult<String> {
    const ACTIVITY: &str = "Remove phone number";
    let kind = phone_type(method)?;
    require_my_staff(ctx)?;
    let s = subject(state, id).await?;
    enforce(state, ctx, Action::ManagePhoneMethods, ACTIVITY, &s).await?;
    let now = state.now_us();
    let mut tx = state.store.begin().await?;
    let rows = accounts::phones(&mut *tx, &s.row.id).await?;
    check_if_match(if_match, &etag(&rows))?;
    let Some(old) = rows.iter().find(|r| r.method_type == kind.id()) else {
        return Err(ApiError::NotFound(format!(
            "{} has no {} number.",
            s.row.display_name,
            kind.id().replace('_', " ")
        )));
    };
    if kind == PhoneType::Mobile && rows.iter().any(|r| r.method_type == "alternate_mobile") {
        return Err(ApiError::conflict(
            "alternate_mobile_depends",
            "Remove the alternate mobile number first, or change the mobile number instead.",
        ));
    }
    accounts::delete_phone(&mut tx, &s.row.id, kind.id()).await?;
    let event = Event::success(ACTIVITY, CAT_METHODS)
        .target(s.resource().with(
            kind.id(),
            Some(PhoneNumber::mask_e164(&old.phone_number)),
            None,
        ))
        .units(s.unit_ids());
    audit::record(&mut tx, &ctx.initiator, now, event).await?;
    let rows = accounts::phones(&mut *tx, &s.row.id).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(etag(&rows))
}

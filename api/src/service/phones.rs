//! Phone methods (SPEC section 4): listing, setting and removing, with ETags.

use crate::audit::{self, Event};
use crate::auth::AuthContext;
use crate::domain::PhoneNumber;
use crate::error::{ApiError, ApiResult};
use crate::service::authz::{
    begin_decided, decide, enforce, require_my_staff, require_reader, subject,
};
use crate::state::AppState;
use crate::store::phones::PhoneRow;
use crate::store::StoreError;
use sha2::{Digest, Sha256};
use shared::audit::Activity;
use shared::dto::{PhoneMethod, PhoneMethods, PhoneType};
use shared::rules::Action;
use shared::ErrorCode;

/// A weak ETag over the phone methods' state.
fn etag(rows: &[PhoneRow]) -> String {
    let mut h = Sha256::new();
    for r in rows {
        h.update(r.method_type.as_bytes());
        h.update(b"\0");
        h.update(r.phone_number.as_bytes());
        h.update(b"\0");
        h.update(r.updated_at.as_micros().to_le_bytes());
    }
    let digest = h.finalize();
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("W/\"{hex}\"")
}

pub(crate) fn methods_dto(rows: &[PhoneRow], full: bool) -> PhoneMethods {
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
    let rows = crate::store::phones::phones(state.store.reader(), s.row.id).await?;
    Ok(methods_dto(&rows, full))
}

fn phone_type(raw: &str) -> ApiResult<PhoneType> {
    PhoneType::from_id(raw).ok_or_else(|| {
        ApiError::NotFound("Phone method types are mobile, alternate_mobile and office.".to_owned())
    })
}

/// An entity tag as RFC 9110 writes it: `"…"` or `W/"…"`, visible ASCII inside.
fn is_entity_tag(t: &str) -> bool {
    let t = t.trim_matches([' ', '\t']);
    let t = t.strip_prefix("W/").unwrap_or(t);
    t.len() >= 2
        && t.starts_with('"')
        && t.ends_with('"')
        && t[1..t.len() - 1]
            .bytes()
            .all(|b| b == b'!' || (b'#'..=b'~').contains(&b))
}

fn check_if_match(if_match: Option<&str>, current: &str) -> ApiResult<()> {
    match if_match {
        None => Ok(()),
        Some(v) if v.trim() == "*" => Ok(()),
        Some(v) if !v.split(',').all(is_entity_tag) => Err(ApiError::bad_request(
            shared::ErrorCode::InvalidIfMatch,
            "If-Match must be * or entity tags in double quotes, as the ETag header gave them.",
        )),
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
        Activity::RegisterPhoneNumber,
        &s,
    )
    .await?;
    let number = PhoneNumber::parse(number, state.policy.default_phone_region.as_deref())
        .map_err(|e| ApiError::Validation(vec![e]))?;
    let now = state.now();
    // Decided again inside the write, on what this transaction reads.
    let (mut tx, s) = begin_decided(
        state,
        ctx,
        Action::ManagePhoneMethods,
        Activity::RegisterPhoneNumber,
        s.row.id,
    )
    .await?;
    let rows = crate::store::phones::phones(&mut *tx, s.row.id).await?;
    check_if_match(if_match, &etag(&rows))?;
    let old = rows.iter().find(|r| r.method_type == kind.id());
    if old.is_some_and(|o| o.phone_number == number.e164()) {
        return Ok(methods_dto(&rows, true));
    }
    if kind == PhoneType::AlternateMobile && !rows.iter().any(|r| r.method_type == "mobile") {
        return Err(ApiError::conflict(
            ErrorCode::MobileRequired,
            "Add a mobile number before an alternate mobile number.",
        ));
    }
    if kind == PhoneType::Mobile {
        if let Some(owner) = crate::store::phones::mobile_owner(&mut tx, number.e164()).await? {
            if owner != s.row.id {
                return Err(ApiError::conflict(
                    ErrorCode::PhoneNumberInUse,
                    "Another person already signs in with this mobile number.",
                ));
            }
        }
    }
    if crate::store::phones::has_number(&mut tx, ctx.user_id(), number.e164()).await? {
        return Err(ApiError::conflict(
            ErrorCode::PhoneNumberIsYours,
            "This is your own phone number. Enter the staff member's number.",
        ));
    }
    match crate::store::phones::upsert_phone(&mut tx, s.row.id, kind.id(), number.e164(), now).await
    {
        Err(StoreError::Conflict) => {
            return Err(ApiError::conflict(
                ErrorCode::PhoneNumberInUse,
                "Another person already signs in with this mobile number.",
            ))
        }
        other => other?,
    }
    let activity = if old.is_some() {
        Activity::ChangePhoneNumber
    } else {
        Activity::RegisterPhoneNumber
    };
    let event = Event::success(activity)
        .target(s.resource().with(
            kind.id(),
            old.map(|o| PhoneNumber::mask_e164(&o.phone_number)),
            Some(number.masked()),
        ))
        .units(s.unit_ids());
    audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
    let rows = crate::store::phones::phones(&mut *tx, s.row.id).await?;
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
    const ACTIVITY: Activity = Activity::RemovePhoneNumber;
    let kind = phone_type(method)?;
    require_my_staff(ctx)?;
    let s = subject(state, id).await?;
    enforce(state, ctx, Action::ManagePhoneMethods, ACTIVITY, &s).await?;
    let now = state.now();
    // Decided again inside the write, on what this transaction reads.
    let (mut tx, s) =
        begin_decided(state, ctx, Action::ManagePhoneMethods, ACTIVITY, s.row.id).await?;
    let rows = crate::store::phones::phones(&mut *tx, s.row.id).await?;
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
            ErrorCode::AlternateMobileDepends,
            "Remove the alternate mobile number first, or change the mobile number instead.",
        ));
    }
    crate::store::phones::delete_phone(&mut tx, s.row.id, kind.id()).await?;
    let event = Event::success(ACTIVITY)
        .target(s.resource().with(
            kind.id(),
            Some(PhoneNumber::mask_e164(&old.phone_number)),
            None,
        ))
        .units(s.unit_ids());
    audit::record(&mut tx, &ctx.initiator, now, &*state.ids, event).await?;
    let rows = crate::store::phones::phones(&mut *tx, s.row.id).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(etag(&rows))
}

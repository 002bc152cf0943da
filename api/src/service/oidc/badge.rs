//! The hosted page's "Sign in with badge" (issue 14): the badge page (a field a USB
//! scanner types into, and the camera where the browser can read QR codes), then
//! the badge's PIN, then on through [`next_step`] like any first step, so whoever
//! the policy asks a second factor of still gives one. The checks themselves are
//! `service::badges`'.

use super::*;
use crate::service::badges::{self as badges, Found, PinOutcome, Refusal};

/// `POST /oauth2/badge`: from the sign-in page's "Sign in with badge" (no
/// `credential`: the badge page), `back` to the sign-in page, or the scanned
/// credential.
#[derive(Deserialize)]
pub struct BadgeForm {
    pub request: String,
    pub csrf: String,
    #[serde(default)]
    pub credential: Option<String>,
    #[serde(default)]
    pub back: bool,
}

/// `POST /oauth2/badge-pin`: the PIN (and at the first use its confirmation).
#[derive(Deserialize)]
pub struct BadgePinForm {
    pub request: String,
    pub csrf: String,
    #[serde(default)]
    pub pin: String,
    #[serde(default)]
    pub confirm_pin: String,
}

fn badge_page(ctx: PageContext) -> Outcome {
    Outcome::Badge(ctx)
}

const SCAN_FIRST: &str = "Scan the QR code on your badge with the scanner or the camera.";

/// `POST /oauth2/badge`.
pub async fn badge(
    state: &AppState,
    who: Initiator,
    form: BadgeForm,
    csrf_cookie: Option<&str>,
) -> Result<Outcome, ApiError> {
    let (pending, app) = match pending_for(state, &form.request, &form.csrf, csrf_cookie).await? {
        Ok(found) => found,
        Err(outcome) => return Ok(outcome),
    };
    if !pending.at_start() {
        return Ok(expired_page());
    }
    let ctx = |errors: Vec<String>| {
        page(
            &pending,
            form.request.clone(),
            &app,
            &form.csrf,
            None,
            errors,
        )
    };
    if form.back {
        return sign_in_again(state, ctx(Vec::new())).await;
    }
    let Some(typed) = form.credential.as_deref() else {
        return Ok(badge_page(ctx(Vec::new())));
    };
    if typed.trim().is_empty() {
        return Ok(badge_page(ctx(vec![SCAN_FIRST.to_owned()])));
    }
    let app_target = TargetResource::application(app.id, &app.display_name);
    let found = match badges::scan(state, &who, typed, &app_target).await? {
        Ok(found) => found,
        Err(refusal) => return Ok(badge_page(ctx(vec![refusal.message()]))),
    };
    pin_page(state, &pending, &app, &form.csrf, &found, Vec::new())
}

/// The PIN step for `found`, with the request now naming the badge.
fn pin_page(
    state: &AppState,
    pending: &PendingRequest,
    app: &ApplicationRow,
    csrf: &str,
    found: &Found,
    errors: Vec<String>,
) -> Result<Outcome, ApiError> {
    let next = PendingRequest {
        badge_for: Some((
            found.account.id,
            found.account.token_version,
            found.badge.id.clone(),
        )),
        ..pending.clone()
    };
    let sealed = next
        .seal(&state.keys, state.now())
        .map_err(ApiError::Internal)?;
    Ok(Outcome::BadgePin {
        page: page(&next, sealed, app, csrf, None, errors),
        first_use: found.badge.pin_hash.is_none(),
    })
}

/// `POST /oauth2/badge-pin`: sets the PIN at the first use, else checks it (five
/// wrong ones lock the badge); then the sign-in goes on as `amr` `pin`.
pub async fn badge_pin(
    state: &AppState,
    mut who: Initiator,
    form: BadgePinForm,
    session_cookie: Option<&str>,
    csrf_cookie: Option<&str>,
) -> Result<Outcome, ApiError> {
    let (pending, app) = match pending_for(state, &form.request, &form.csrf, csrf_cookie).await? {
        Ok(found) => found,
        Err(outcome) => return Ok(outcome),
    };
    let Some((user, token_version, badge_id)) = pending.badge_for.clone() else {
        return Ok(expired_page());
    };
    let Some(account) = account_at(state, user, token_version).await? else {
        return Ok(expired_page());
    };
    who.user_id = Some(account.id.to_string());
    who.user_principal_name = Some(account.user_principal_name.clone());
    let app_target = TargetResource::application(app.id, &app.display_name);
    // Back to the badge page, without the badge: scan again (or not at all).
    let start = PendingRequest {
        badge_for: None,
        ..pending.clone()
    };
    let rescan = |refusal: Refusal| -> Result<Outcome, ApiError> {
        let sealed = start
            .seal(&state.keys, state.now())
            .map_err(ApiError::Internal)?;
        Ok(badge_page(page(
            &start,
            sealed,
            &app,
            &form.csrf,
            None,
            vec![refusal.message()],
        )))
    };
    let found = match badges::again(state, &who, &account, &badge_id, &app_target).await? {
        Ok(found) => found,
        Err(refusal) => return rescan(refusal),
    };
    let outcome = match found.badge.pin_hash {
        None => badges::set_pin(state, &who, &found, form.pin, &form.confirm_pin).await?,
        Some(_) => badges::check_pin(state, &who, &found, form.pin, &app_target).await?,
    };
    match outcome {
        PinOutcome::SignedIn => {}
        PinOutcome::Rejected(words) => {
            let ctx = page(
                &pending,
                form.request,
                &app,
                &form.csrf,
                None,
                vec![words.to_owned()],
            );
            return Ok(Outcome::BadgePin {
                page: ctx,
                first_use: found.badge.pin_hash.is_none(),
            });
        }
        PinOutcome::Refused(refusal @ Refusal::WrongPin { left }) if left > 0 => {
            let ctx = page(
                &pending,
                form.request,
                &app,
                &form.csrf,
                None,
                vec![refusal.message()],
            );
            return Ok(Outcome::BadgePin {
                page: ctx,
                first_use: false,
            });
        }
        PinOutcome::Refused(refusal) => return rescan(refusal),
    }
    let next = PendingRequest {
        badge_for: None,
        amr: Some(AMR_BADGE.to_owned()),
        ..pending
    };
    next_step(
        state,
        &who,
        &app,
        next,
        &account,
        &form.csrf,
        session_cookie,
    )
    .await
}

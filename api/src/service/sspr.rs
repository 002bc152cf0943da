//! Self-service password reset on the hosted sign-in page (issue 14): "Forgot your
//! password?" → the sign-in name → a code texted to the mobile number a manager
//! registered → a new password (the cloud policy, or written to Active Directory for
//! an on-premises user) → every session ended → back to the sign-in page for the same
//! application, audited "Reset password (self-service)" from the surface `sspr`.
//!
//! The page after the sign-in name is the same whoever the name is: an account with
//! a mobile number gets a code; a name that is no account, an account without a
//! mobile, a disabled one or one holding an admin role (whose reset stays with another
//! admin: one text message is too weak a proof for them) get none, and their form
//! takes codes that never match. The steps ride on the sealed authorization request
//! (`service::pending`), so nothing but the code row is written before the reset.

use crate::audit::{Initiator, Surface};
use crate::error::ApiError;
use crate::service::oidc::{
    account_at, change_page, expired_page, page, pending_for, sign_in_again, CodeForm, Outcome,
    PageContext, DIRECTORY_DOWN,
};
use crate::service::pending::PendingRequest;
use crate::service::text_codes::{self, Checked, Language, Purpose, Recipient};
use crate::state::AppState;
use serde::Deserialize;

/// The reset's forms that post only the request (start, cancel, send again).
#[derive(Deserialize)]
pub struct StepForm {
    pub request: String,
    pub csrf: String,
}

/// The sign-in name to text a code for.
#[derive(Deserialize)]
pub struct NameForm {
    pub request: String,
    pub csrf: String,
    #[serde(default)]
    pub username: String,
}

/// The new password.
#[derive(Deserialize)]
pub struct PasswordForm {
    pub request: String,
    pub csrf: String,
    #[serde(default)]
    pub new_password: String,
    #[serde(default)]
    pub confirm_password: String,
}

/// Events of the reset come from the surface `sspr`.
fn from_sspr(who: Initiator) -> Initiator {
    Initiator {
        surface: Surface::Sspr,
        ..who
    }
}

fn sealed(state: &AppState, p: &PendingRequest) -> Result<String, ApiError> {
    p.seal(&state.keys, state.now()).map_err(ApiError::Internal)
}

/// `POST /oauth2/reset`: "Forgot your password?" from the sign-in page.
pub async fn start(
    state: &AppState,
    form: StepForm,
    csrf_cookie: Option<&str>,
) -> Result<Outcome, ApiError> {
    let (pending, app) = match pending_for(state, &form.request, &form.csrf, csrf_cookie).await? {
        Ok(found) => found,
        Err(outcome) => return Ok(outcome),
    };
    if !pending.at_start() {
        return Ok(expired_page());
    }
    Ok(Outcome::ResetName(page(
        &pending,
        form.request,
        &app,
        &form.csrf,
        None,
        Vec::new(),
    )))
}

/// `POST /oauth2/reset/cancel`: back to the sign-in page, the reset forgotten.
pub async fn cancel(
    state: &AppState,
    form: StepForm,
    csrf_cookie: Option<&str>,
) -> Result<Outcome, ApiError> {
    let (pending, app) = match pending_for(state, &form.request, &form.csrf, csrf_cookie).await? {
        Ok(found) => found,
        Err(outcome) => return Ok(outcome),
    };
    let hint = pending.reset_code.as_ref().map(|(name, _)| name.clone());
    let back = PendingRequest {
        reset_code: None,
        reset_for: None,
        ..pending
    };
    if !back.at_start() {
        return Ok(expired_page());
    }
    let request = sealed(state, &back)?;
    sign_in_again(
        state,
        page(&back, request, &app, &form.csrf, hint, Vec::new()),
    )
    .await
}

/// Who a reset code for `name` goes to: an enabled account without an admin role,
/// with a mobile number.
async fn recipient(
    state: &AppState,
    name: &str,
) -> Result<Option<(shared::UserId, String)>, ApiError> {
    let Some(account) = crate::store::accounts::by_upn(state.store.reader(), name).await? else {
        return Ok(None);
    };
    if !account.account_enabled
        || crate::service::signin::holds_admin_role(state, account.id).await?
    {
        return Ok(None);
    }
    Ok(text_codes::mobile_of(state, account.id)
        .await?
        .map(|number| (account.id, number)))
}

/// `POST /oauth2/reset/send`: texts a code for the sign-in name (or, from the code
/// page, for the name typed before), and shows the code page, the same for any name.
pub async fn send(
    state: &AppState,
    who: Initiator,
    form: NameForm,
    language: Language,
    csrf_cookie: Option<&str>,
) -> Result<Outcome, ApiError> {
    let who = from_sspr(who);
    let (pending, app) = match pending_for(state, &form.request, &form.csrf, csrf_cookie).await? {
        Ok(found) => found,
        Err(outcome) => return Ok(outcome),
    };
    // From the name page (at the start), or "Send a new code" on the code page.
    let name = match &pending.reset_code {
        Some((name, _)) if pending.reset_for.is_none() => name.clone(),
        None if pending.at_start() => form.username.trim().chars().take(256).collect(),
        _ => return Ok(expired_page()),
    };
    if name.is_empty() {
        return Ok(Outcome::ResetName(page(
            &pending,
            form.request,
            &app,
            &form.csrf,
            None,
            vec!["Enter your sign-in name.".to_owned()],
        )));
    }
    let to = recipient(state, &name).await?;
    let sent = text_codes::send(
        state,
        &who,
        Purpose::Reset,
        &name,
        to.as_ref().map(|(user, number)| Recipient {
            user: *user,
            number,
        }),
        language,
    )
    .await;
    let challenge = match sent {
        Ok(id) => id,
        Err(ApiError::RateLimited { retry_after_secs }) => {
            let msg = format!(
                "Too many codes were asked for. Try again in {} minutes, or ask your manager to reset your password.",
                retry_after_secs.div_ceil(60).max(1)
            );
            let ctx = page(
                &pending,
                form.request,
                &app,
                &form.csrf,
                Some(name),
                vec![msg],
            );
            return Ok(match pending.reset_code {
                Some(_) => Outcome::ResetCode(ctx),
                None => Outcome::ResetName(ctx),
            });
        }
        Err(e) => return Err(e),
    };
    let next = PendingRequest {
        reset_code: Some((name.clone(), challenge)),
        ..pending
    };
    let request = sealed(state, &next)?;
    Ok(Outcome::ResetCode(page(
        &next,
        request,
        &app,
        &form.csrf,
        Some(name),
        Vec::new(),
    )))
}

/// `POST /oauth2/reset/verify`: the code from the text message.
pub async fn verify(
    state: &AppState,
    form: CodeForm,
    csrf_cookie: Option<&str>,
) -> Result<Outcome, ApiError> {
    let (pending, app) = match pending_for(state, &form.request, &form.csrf, csrf_cookie).await? {
        Ok(found) => found,
        Err(outcome) => return Ok(outcome),
    };
    let Some((name, challenge)) = pending.reset_code.clone() else {
        return Ok(expired_page());
    };
    let again = |msg: String| {
        Outcome::ResetCode(page(
            &pending,
            form.request.clone(),
            &app,
            &form.csrf,
            Some(name.clone()),
            vec![msg],
        ))
    };
    let user = match text_codes::check(state, &challenge, Purpose::Reset, &form.code).await? {
        Checked::Accepted(user) => user,
        Checked::Wrong { left } => {
            return Ok(again(format!(
                "That code isn't right. Check the text message and try again ({left} {} left).",
                if left == 1 { "try" } else { "tries" }
            )))
        }
        Checked::NeedsNewCode => {
            return Ok(again(
                "This code has expired or has had too many tries. Send a new code.".to_owned(),
            ))
        }
    };
    let Some(account) = crate::store::accounts::read(state.store.reader(), user)
        .await?
        .filter(|a| a.account_enabled)
    else {
        return Ok(expired_page());
    };
    let next = PendingRequest {
        reset_code: None,
        reset_for: Some((account.id, account.token_version)),
        ..pending
    };
    let request = sealed(state, &next)?;
    let ctx = page(&next, request, &app, &form.csrf, None, Vec::new());
    Ok(as_reset(change_page(state, ctx, &account).await))
}

/// The forced change's page, as the reset's.
fn as_reset(outcome: Outcome) -> Outcome {
    match outcome {
        Outcome::ChangePassword(ctx) => Outcome::ResetPassword(ctx),
        other => other,
    }
}

/// `POST /oauth2/reset/password`: the new password; then the sign-in page again,
/// for the same application, with the sign-in name filled in.
pub async fn choose(
    state: &AppState,
    who: Initiator,
    form: PasswordForm,
    csrf_cookie: Option<&str>,
) -> Result<Outcome, ApiError> {
    let mut who = from_sspr(who);
    let (pending, app) = match pending_for(state, &form.request, &form.csrf, csrf_cookie).await? {
        Ok(found) => found,
        Err(outcome) => return Ok(outcome),
    };
    let Some((user, token_version)) = pending.reset_for else {
        return Ok(expired_page());
    };
    let Some(account) = account_at(state, user, token_version).await? else {
        return Ok(expired_page());
    };
    who.user_id = Some(account.id.to_string());
    who.user_principal_name = Some(account.user_principal_name.clone());
    if form.new_password != form.confirm_password {
        let ctx = page(
            &pending,
            form.request,
            &app,
            &form.csrf,
            None,
            vec!["The two new passwords are not the same. Type the new password twice.".to_owned()],
        );
        return Ok(as_reset(change_page(state, ctx, &account).await));
    }
    match crate::service::passwords::reset_own_password(state, &who, &account, form.new_password)
        .await
    {
        Ok(()) => {}
        Err(ApiError::Validation(errors)) => {
            let messages = errors.into_iter().map(|e| e.message).collect();
            let ctx = page(&pending, form.request, &app, &form.csrf, None, messages);
            return Ok(as_reset(change_page(state, ctx, &account).await));
        }
        Err(ApiError::DirectoryUnavailable) => {
            let ctx = page(
                &pending,
                form.request,
                &app,
                &form.csrf,
                None,
                vec![DIRECTORY_DOWN.to_owned()],
            );
            return Ok(as_reset(change_page(state, ctx, &account).await));
        }
        Err(e) => return Err(e),
    }
    let back = PendingRequest {
        reset_for: None,
        ..pending
    };
    let request = sealed(state, &back)?;
    let ctx = PageContext {
        notice: Some(
            "Your password has been reset, and you have been signed out everywhere. Sign in with your new password.".to_owned(),
        ),
        ..page(
            &back,
            request,
            &app,
            &form.csrf,
            Some(account.user_principal_name.clone()),
            Vec::new(),
        )
    };
    sign_in_again(state, ctx).await
}

//! Self-service password reset on the hosted sign-in page (issue 14): "Forgot your
//! password?" → the sign-in name → a code texted to the mobile number a manager
//! registered → a new password (the cloud policy, or written to Active Directory for
//! an on-premises user) → every session ended → back to the sign-in page for the same
//! application, audited "Reset password (self-service)" from the surface `sspr`.
//!
//! SMS sign-in (when the tenant's sign-in policy allows it) takes the same two steps
//! (sign-in name, code) and then goes on as a sign-in does (`amr` `sms`: one factor;
//! a second factor the person has still follows).
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
    account_at, change_page, expired_page, next_step, page, pending_for, sign_in_again, CodeForm,
    Outcome, PageContext, AMR_SMS, DIRECTORY_DOWN,
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

/// The two flows that start with a sign-in name and a texted code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// "Forgot your password?"
    Reset,
    /// "Sign in with a text message code" (the tenant's `sms_sign_in`).
    SignIn,
}

impl Flow {
    fn purpose(self) -> Purpose {
        match self {
            Flow::Reset => Purpose::Reset,
            Flow::SignIn => Purpose::SignIn,
        }
    }

    fn name_page(self, ctx: PageContext) -> Outcome {
        match self {
            Flow::Reset => Outcome::ResetName(ctx),
            Flow::SignIn => Outcome::SmsName(ctx),
        }
    }

    fn code_page(self, ctx: PageContext) -> Outcome {
        match self {
            Flow::Reset => Outcome::ResetCode(ctx),
            Flow::SignIn => Outcome::SmsCode(ctx),
        }
    }

    /// The words when the rate limits say no more codes for a while.
    fn too_many(self, retry_after_secs: u64) -> String {
        let minutes = retry_after_secs.div_ceil(60).max(1);
        match self {
            Flow::Reset => format!(
                "Too many codes were asked for. Try again in {minutes} minutes, or ask your manager to reset your password."
            ),
            Flow::SignIn => format!(
                "Too many codes were asked for. Try again in {minutes} minutes, or sign in with your password."
            ),
        }
    }
}

/// The words of a sign-in page reached by an SMS sign-in form after the tenant
/// turned SMS sign-in off.
const SMS_SIGN_IN_OFF: &str =
    "Signing in with a code by text message is turned off. Sign in with your password.";

/// Whether the tenant lets staff sign in with a texted code.
async fn sms_sign_in_on(state: &AppState) -> Result<bool, ApiError> {
    Ok(crate::store::settings::sign_in(state.store.reader())
        .await?
        .sms_sign_in)
}

/// The sign-in page again for `pending`, saying SMS sign-in is off.
async fn sms_sign_in_off(
    state: &AppState,
    pending: &PendingRequest,
    app: &crate::store::applications::ApplicationRow,
    csrf: &str,
) -> Result<Outcome, ApiError> {
    let back = PendingRequest {
        text_code: None,
        ..pending.clone()
    };
    let request = sealed(state, &back)?;
    sign_in_again(
        state,
        page(
            &back,
            request,
            app,
            csrf,
            None,
            vec![SMS_SIGN_IN_OFF.to_owned()],
        ),
    )
    .await
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

/// `POST /oauth2/reset`: "Forgot your password?" from the sign-in page;
/// `POST /oauth2/sms`: "Sign in with a text message code".
pub async fn start(
    state: &AppState,
    form: StepForm,
    csrf_cookie: Option<&str>,
    flow: Flow,
) -> Result<Outcome, ApiError> {
    let (pending, app) = match pending_for(state, &form.request, &form.csrf, csrf_cookie).await? {
        Ok(found) => found,
        Err(outcome) => return Ok(outcome),
    };
    if !pending.at_start() {
        return Ok(expired_page());
    }
    if flow == Flow::SignIn && !sms_sign_in_on(state).await? {
        return sms_sign_in_off(state, &pending, &app, &form.csrf).await;
    }
    Ok(flow.name_page(page(
        &pending,
        form.request,
        &app,
        &form.csrf,
        None,
        Vec::new(),
    )))
}

/// `POST /oauth2/reset/cancel` and `/oauth2/sms/cancel`: back to the sign-in page,
/// the reset or SMS sign-in forgotten.
pub async fn cancel(
    state: &AppState,
    form: StepForm,
    csrf_cookie: Option<&str>,
) -> Result<Outcome, ApiError> {
    let (pending, app) = match pending_for(state, &form.request, &form.csrf, csrf_cookie).await? {
        Ok(found) => found,
        Err(outcome) => return Ok(outcome),
    };
    let hint = pending.text_code.as_ref().map(|(name, _)| name.clone());
    let back = PendingRequest {
        text_code: None,
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

/// Who a reset or sign-in code for `name` goes to: an enabled account without an
/// admin role, with a mobile number.
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

/// `POST /oauth2/reset/send` and `/oauth2/sms/send`: texts a code for the sign-in
/// name (or, from the code page, for the name typed before), and shows the code page,
/// the same for any name.
pub async fn send(
    state: &AppState,
    who: Initiator,
    form: NameForm,
    language: Language,
    csrf_cookie: Option<&str>,
    flow: Flow,
) -> Result<Outcome, ApiError> {
    let who = match flow {
        Flow::Reset => from_sspr(who),
        Flow::SignIn => who,
    };
    let (pending, app) = match pending_for(state, &form.request, &form.csrf, csrf_cookie).await? {
        Ok(found) => found,
        Err(outcome) => return Ok(outcome),
    };
    // From the name page (at the start), or "Send a new code" on the code page; not
    // from a later step of a sign-in (the second factor's code rides on `text_code`).
    if !pending.before_text_code() {
        return Ok(expired_page());
    }
    if flow == Flow::SignIn && !sms_sign_in_on(state).await? {
        return sms_sign_in_off(state, &pending, &app, &form.csrf).await;
    }
    let name = match &pending.text_code {
        Some((name, _)) => name.clone(),
        None => form.username.trim().chars().take(256).collect(),
    };
    if name.is_empty() {
        return Ok(flow.name_page(page(
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
        flow.purpose(),
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
            let msg = flow.too_many(retry_after_secs);
            let ctx = page(
                &pending,
                form.request,
                &app,
                &form.csrf,
                Some(name),
                vec![msg],
            );
            return Ok(match pending.text_code {
                Some(_) => flow.code_page(ctx),
                None => flow.name_page(ctx),
            });
        }
        Err(e) => return Err(e),
    };
    let next = PendingRequest {
        text_code: Some((name.clone(), challenge)),
        ..pending
    };
    let request = sealed(state, &next)?;
    Ok(flow.code_page(page(
        &next,
        request,
        &app,
        &form.csrf,
        Some(name),
        Vec::new(),
    )))
}

/// `POST /oauth2/reset/verify` and `/oauth2/sms/verify`: the code from the text
/// message. A reset goes on to the new password; an SMS sign-in to what the sign-in
/// still needs (`service::oidc::next_step`).
pub async fn verify(
    state: &AppState,
    who: Initiator,
    form: CodeForm,
    (session_cookie, csrf_cookie): (Option<&str>, Option<&str>),
    flow: Flow,
) -> Result<Outcome, ApiError> {
    let (pending, app) = match pending_for(state, &form.request, &form.csrf, csrf_cookie).await? {
        Ok(found) => found,
        Err(outcome) => return Ok(outcome),
    };
    let Some((name, challenge)) = pending.text_code.clone() else {
        return Ok(expired_page());
    };
    if !pending.before_text_code() {
        return Ok(expired_page());
    }
    if flow == Flow::SignIn && !sms_sign_in_on(state).await? {
        return sms_sign_in_off(state, &pending, &app, &form.csrf).await;
    }
    let again = |msg: String| {
        flow.code_page(page(
            &pending,
            form.request.clone(),
            &app,
            &form.csrf,
            Some(name.clone()),
            vec![msg],
        ))
    };
    let user = match text_codes::check(state, &challenge, flow.purpose(), &form.code).await? {
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
    if flow == Flow::SignIn {
        return signed_in_by_text(
            state,
            who,
            pending,
            app,
            &account,
            &form.csrf,
            session_cookie,
        )
        .await;
    }
    let next = PendingRequest {
        text_code: None,
        reset_for: Some((account.id, account.token_version)),
        ..pending
    };
    let request = sealed(state, &next)?;
    let ctx = page(&next, request, &app, &form.csrf, None, Vec::new());
    Ok(as_reset(change_page(state, ctx, &account).await))
}

/// An SMS sign-in's code was right: unless the account was locked out or given an
/// admin role since the code was sent, on as any sign-in (`amr` `sms`).
async fn signed_in_by_text(
    state: &AppState,
    mut who: Initiator,
    pending: PendingRequest,
    app: crate::store::applications::ApplicationRow,
    account: &crate::store::accounts::Account,
    csrf: &str,
    session_cookie: Option<&str>,
) -> Result<Outcome, ApiError> {
    let now = state.now();
    let back = PendingRequest {
        text_code: None,
        ..pending
    };
    let refused = if account.locked_until > now {
        Some(format!(
            "This account is locked after too many failed sign-ins. Try again in {} minutes, or ask your manager to reset your password.",
            (account.locked_until - now).retry_after_secs().div_ceil(60).max(1)
        ))
    } else if crate::service::signin::holds_admin_role(state, account.id).await? {
        Some(
            "Administrators can't sign in with a code by text message. Sign in with your password."
                .to_owned(),
        )
    } else {
        None
    };
    if let Some(msg) = refused {
        let request = sealed(state, &back)?;
        let hint = Some(account.user_principal_name.clone());
        return sign_in_again(state, page(&back, request, &app, csrf, hint, vec![msg])).await;
    }
    who.user_id = Some(account.id.to_string());
    who.user_principal_name = Some(account.user_principal_name.clone());
    let next = PendingRequest {
        amr: Some(AMR_SMS.to_owned()),
        ..back
    };
    next_step(state, &who, &app, next, account, csrf, session_cookie).await
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

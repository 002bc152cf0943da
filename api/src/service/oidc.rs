//! The OpenID Connect provider (SPEC section 9): the authorization endpoint and the
//! hosted sign-in page's steps, the token endpoint, userinfo, revocation and
//! RP-initiated logout. The HTTP layer (`http::oidc`) only parses requests and
//! renders what these functions decide.
//!
//! Rules, from OAuth 2.1 and the Security BCP: authorization code only, PKCE S256
//! for every client, exact redirect URIs, codes single-use (a replay revokes what
//! the first use issued), refresh tokens rotated on every use (a replay revokes the
//! whole grant). An unknown client or an unregistered redirect URI is answered with
//! an error page, never a redirect.

use crate::audit::{self, Event, Initiator, TargetResource};
use crate::auth::tokens::{Claims, KeyRing, TokenError};
use crate::auth::{hashes_equal, random_secret, secret_hash};
use crate::error::ApiError;
use crate::service::pending::{PendingRequest, Refused};
use crate::state::AppState;
use crate::store::applications::{self as apps, ApplicationRow};
use crate::store::oidc::{self as rows, CodeRow, GrantRow, LiveSession, SessionRow, TakenCode};
use crate::store::StoreError;
use crate::time::{Micros, Span};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shared::audit::Activity;
use shared::dto::{ClientType, IdTokenAlg, SignInAudience, TokenRequest};
use shared::{ApplicationId, ErrorCode, UserId};

mod badge;
pub use badge::{badge, badge_pin, BadgeForm, BadgePinForm};

/// Scopes this provider knows.
pub const SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];
/// Claims it may issue.
pub const CLAIMS: [&str; 13] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "amr",
    "sid",
    "azp",
    "name",
    "preferred_username",
    "email",
];
/// An authorization code works for this long.
const CODE_TTL: Span = Span::MINUTE;
/// The hosted sign-in page waits this long for the person.
const PENDING_TTL: Span = Span::minutes(15);

pub const AUTHORIZE_PATH: &str = "/oauth2/authorize";
pub const TOKEN_PATH: &str = "/oauth2/token";
pub const USERINFO_PATH: &str = "/oauth2/userinfo";
pub const REVOKE_PATH: &str = "/oauth2/revoke";
pub const LOGOUT_PATH: &str = "/oauth2/logout";
pub const JWKS_PATH: &str = "/.well-known/jwks.json";

/// The discovery document: exactly what this provider supports.
pub fn discovery(state: &AppState) -> serde_json::Value {
    let iss = &state.provider.issuer;
    serde_json::json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}{AUTHORIZE_PATH}"),
        "token_endpoint": format!("{iss}{TOKEN_PATH}"),
        "userinfo_endpoint": format!("{iss}{USERINFO_PATH}"),
        "jwks_uri": format!("{iss}{JWKS_PATH}"),
        "revocation_endpoint": format!("{iss}{REVOKE_PATH}"),
        "end_session_endpoint": format!("{iss}{LOGOUT_PATH}"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "EdDSA"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": SCOPES,
        "claims_supported": CLAIMS,
        "prompt_values_supported": ["none", "login"],
        "authorization_response_iss_parameter_supported": true,
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "require_request_uri_registration": false,
    })
}

/// The query of `GET /oauth2/authorize`.
#[derive(Debug, Default, Deserialize)]
pub struct AuthorizeParams {
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub response_type: Option<String>,
    pub response_mode: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub prompt: Option<String>,
    pub max_age: Option<String>,
    pub login_hint: Option<String>,
    pub request: Option<String>,
    pub request_uri: Option<String>,
}

/// What the hosted page shows.
#[derive(Debug, Clone)]
pub struct PageContext {
    /// The authorization request, sealed (`service::pending`), for the form to carry.
    pub request: String,
    /// The browser's CSRF secret (also its cookie).
    pub csrf: String,
    pub app_name: String,
    pub login_hint: Option<String>,
    pub errors: Vec<String>,
    /// Good news to show above the form (a password reset that worked).
    pub notice: Option<String>,
    /// The origin of the redirect URI, which the page's CSP lets the form go to.
    pub redirect_origin: String,
    /// The forced change: whose password (sign-in name, display name), for the
    /// checklist's name rule.
    pub password_for: Option<(String, String)>,
    /// The forced change of a user whose password the on-premises directory keeps:
    /// the domain's policy (`None` when it could not be read). The form then asks for
    /// the current password too.
    pub domain_policy: Option<Option<shared::policy::DomainPasswordPolicy>>,
    /// The admin policy's enrolment step: the authenticator app to add.
    pub enrolment: Option<shared::dto::TotpEnrolment>,
    /// The sign-in page's and the second step's passkey button: `None` hides it
    /// (passkeys unavailable here, or the person has none).
    pub passkey: Option<crate::service::passkeys::PasskeyPrompt>,
    /// The second step asks for a code (the person has an authenticator app).
    pub totp: bool,
    /// The sign-in page offers "Sign in with a text message code" (the tenant's
    /// `sms_sign_in`).
    pub sms_sign_in: bool,
    /// The second step offers a code by text message, to this (masked) number.
    pub sms: Option<SmsFactor>,
}

/// The second step's text-message option.
#[derive(Debug, Clone)]
pub struct SmsFactor {
    /// The mobile number, masked (`+33 *** ** **78`).
    pub to: String,
    /// A code was sent: the page asks for it.
    pub sent: bool,
}

/// A provider session to set in the browser.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub cookie_value: String,
}

/// What the authorization endpoint (and each step of the hosted page) decided.
#[derive(Debug)]
pub enum Outcome {
    /// Answered by OpenStaff itself: the request cannot be sent back safely.
    ErrorPage {
        title: String,
        message: String,
    },
    /// Back to the application (with a code, or an error).
    Redirect {
        location: String,
        session: Option<NewSession>,
    },
    SignIn(PageContext),
    ChangePassword(PageContext),
    /// The second step: the code from the person's authenticator app.
    Code(PageContext),
    /// The admin policy: add an authenticator app before going on.
    EnrolTotp(PageContext),
    /// Self-service password reset: the sign-in name to text a code for.
    ResetName(PageContext),
    /// Self-service password reset: the code texted (`login_hint`: the name typed).
    ResetCode(PageContext),
    /// SMS sign-in: the sign-in name to text a code for.
    SmsName(PageContext),
    /// SMS sign-in: the code texted (`login_hint`: the name typed).
    SmsCode(PageContext),
    /// Self-service password reset: the new password (`password_for`,
    /// `domain_policy` as for the forced change).
    ResetPassword(PageContext),
    /// "Sign in with badge": the field a scanner types into (`badge`).
    Badge(PageContext),
    /// The badge's PIN: chosen (twice) at its first use, else entered.
    BadgePin {
        page: PageContext,
        first_use: bool,
    },
    /// Signed in, but not one of the people who may use this application.
    NotAllowed {
        app_name: String,
        session: Option<NewSession>,
    },
}

pub(crate) fn error_page(title: &str, message: &str) -> Outcome {
    Outcome::ErrorPage {
        title: title.to_owned(),
        message: message.to_owned(),
    }
}

/// Appends query parameters to an (exact, registered) redirect URI.
fn with_query(uri: &str, params: &[(&str, &str)]) -> String {
    match url::Url::parse(uri) {
        Ok(mut u) => {
            {
                let mut q = u.query_pairs_mut();
                for (k, v) in params {
                    q.append_pair(k, v);
                }
            }
            u.to_string()
        }
        Err(_) => uri.to_owned(),
    }
}

fn origin_of(uri: &str) -> String {
    url::Url::parse(uri)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default()
}

/// A redirect carrying an OAuth error.
fn redirect_error(
    state: &AppState,
    uri: &str,
    error: &str,
    description: &str,
    st: Option<&str>,
) -> Outcome {
    let mut params = vec![("error", error), ("error_description", description)];
    if let Some(s) = st {
        params.push(("state", s));
    }
    params.push(("iss", &state.provider.issuer));
    Outcome::Redirect {
        location: with_query(uri, &params),
        session: None,
    }
}

async fn application(
    state: &AppState,
    client_id: &str,
) -> Result<Option<ApplicationRow>, ApiError> {
    let Ok(id) = client_id.parse::<ApplicationId>() else {
        return Ok(None);
    };
    Ok(apps::get(state.store.reader(), id).await?)
}

/// A verified request: what a code will carry.
struct Request {
    redirect_uri: String,
    scope: String,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: String,
}

/// Scopes as stored: the known ones, in their canonical order; `None` when one is
/// unknown or `openid` is missing.
fn parse_scope(raw: &str) -> Option<String> {
    let asked: Vec<&str> = raw.split(' ').filter(|s| !s.is_empty()).collect();
    if !asked.contains(&"openid") || asked.iter().any(|s| !SCOPES.contains(s)) {
        return None;
    }
    Some(
        SCOPES
            .iter()
            .filter(|s| asked.contains(s))
            .copied()
            .collect::<Vec<_>>()
            .join(" "),
    )
}

fn has_scope(scope: &str, s: &str) -> bool {
    scope.split(' ').any(|x| x == s)
}

fn is_pkce_value(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// The session the browser's cookie names, if it still holds.
pub async fn live_session(
    state: &AppState,
    cookie: Option<&str>,
) -> Result<Option<LiveSession>, ApiError> {
    let Some(value) = cookie.filter(|c| !c.is_empty() && c.len() <= 128) else {
        return Ok(None);
    };
    let found = rows::session_by_hash(state.store.reader(), &secret_hash(value)).await?;
    let idle = state.provider.session_idle;
    Ok(found.filter(|s| s.is_live(state.now(), idle)))
}

/// `GET /oauth2/authorize`.
pub async fn authorize(
    state: &AppState,
    who: &Initiator,
    p: AuthorizeParams,
    session_cookie: Option<&str>,
    csrf_cookie: Option<&str>,
) -> Result<Outcome, ApiError> {
    let Some(client_id) = p.client_id.as_deref() else {
        return Ok(error_page(
            "This sign-in link is incomplete",
            "The application did not say who it is (client_id is missing). Go back to the application and try again.",
        ));
    };
    let Some(app) = application(state, client_id).await? else {
        return Ok(error_page(
            "This application isn't registered",
            "OpenStaff doesn't know the application that sent you here. Ask your administrator to register it.",
        ));
    };
    let Some(redirect_uri) = p
        .redirect_uri
        .as_deref()
        .filter(|r| app.redirect_uris().iter().any(|x| x == r))
    else {
        return Ok(error_page(
            "This sign-in link is not allowed",
            "The application asked to send you back to an address that isn't registered for it. Ask your administrator to check the application's redirect URIs.",
        ));
    };
    let st = p.state.as_deref();
    let fail = |error: &str, description: &str| {
        Ok(redirect_error(state, redirect_uri, error, description, st))
    };
    if p.request.is_some() {
        return fail("request_not_supported", "request objects are not supported");
    }
    if p.request_uri.is_some() {
        return fail("request_uri_not_supported", "request_uri is not supported");
    }
    if p.response_type.as_deref() != Some("code") {
        return fail(
            "unsupported_response_type",
            "only the authorization code flow (response_type=code) is supported",
        );
    }
    if p.response_mode.as_deref().is_some_and(|m| m != "query") {
        return fail("invalid_request", "only response_mode=query is supported");
    }
    let Some(scope) = p.scope.as_deref().and_then(parse_scope) else {
        return fail(
            "invalid_scope",
            "scope must include openid and only openid, profile, email, offline_access",
        );
    };
    let Some(challenge) = p.code_challenge.as_deref().filter(|c| is_pkce_value(c)) else {
        return fail(
            "invalid_request",
            "PKCE is required: send a code_challenge (S256)",
        );
    };
    if p.code_challenge_method.as_deref() != Some("S256") {
        return fail("invalid_request", "code_challenge_method must be S256");
    }
    let (prompt_none, prompt_login) = match p.prompt.as_deref().map(str::trim) {
        None | Some("") => (false, false),
        Some("none") => (true, false),
        Some("login") => (false, true),
        // Applications are registered by an administrator, which is their consent.
        Some("consent") => (false, false),
        Some(_) => return fail("invalid_request", "prompt must be none or login"),
    };
    let max_age = match p.max_age.as_deref() {
        None => None,
        Some(m) => match m.parse::<u64>() {
            Ok(v) => Some(v),
            Err(_) => return fail("invalid_request", "max_age must be a number of seconds"),
        },
    };
    if p.state.as_ref().is_some_and(|s| s.len() > 2048)
        || p.nonce.as_ref().is_some_and(|n| n.len() > 2048)
    {
        return fail(
            "invalid_request",
            "state and nonce must be at most 2048 characters",
        );
    }
    let req = Request {
        redirect_uri: redirect_uri.to_owned(),
        scope,
        state: p.state.clone(),
        nonce: p.nonce.clone(),
        code_challenge: challenge.to_owned(),
    };
    let now = state.now();
    let session = match live_session(state, session_cookie).await? {
        Some(s) if lacks_required_mfa(state, s.session.user_id, &s.session.amr).await? => None,
        other => other,
    };
    let fresh_enough = |s: &LiveSession| match max_age {
        None => true,
        Some(secs) => now - s.session.auth_time <= Span::seconds(secs),
    };
    match session {
        Some(s) if !prompt_login && fresh_enough(&s) => {
            complete(state, who, &app, &req, &s.session, None, prompt_none).await
        }
        _ if prompt_none => fail("login_required", "the user is not signed in"),
        _ => {
            let csrf = csrf_cookie
                .filter(|c| c.len() == 43)
                .map(str::to_owned)
                .unwrap_or_else(random_secret);
            let pending = PendingRequest {
                id: random_secret(),
                client_id: app.id,
                redirect_uri: req.redirect_uri.clone(),
                scope: req.scope.clone(),
                state: req.state.clone(),
                nonce: req.nonce.clone(),
                code_challenge: req.code_challenge.clone(),
                csrf_hash: secret_hash(&csrf),
                expires_at: now + PENDING_TTL,
                password_change: None,
                code_for: None,
                enrolling: None,
                badge_for: None,
                second_factor: false,
                amr: None,
                text_code: None,
                reset_for: None,
            };
            // Sealed into the form: showing the page writes nothing.
            let request = pending.seal(&state.keys, now).map_err(ApiError::Internal)?;
            let ctx = PageContext {
                login_hint: p.login_hint.map(|h| h.chars().take(256).collect()),
                ..page(&pending, request, &app, &csrf, None, Vec::new())
            };
            sign_in_again(state, ctx).await
        }
    }
}

/// Ends the authorization: checks who may use the application, then a code back to
/// it. The sign-in is audited here, once: a new session's (`new_session`, naming the
/// methods that proved it) or, without one, single sign-on by the browser's live
/// session.
async fn complete(
    state: &AppState,
    who: &Initiator,
    app: &ApplicationRow,
    req: &Request,
    session: &SessionRow,
    new_session: Option<NewSession>,
    prompt_none: bool,
) -> Result<Outcome, ApiError> {
    let now = state.now();
    let user = crate::store::users::get_user(state.store.reader(), session.user_id)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("session of a deleted user")))?;
    let mut who = who.clone();
    who.user_id = Some(user.id.to_string());
    who.user_principal_name = Some(user.user_principal_name.clone());
    let app_target = TargetResource::application(app.id, &app.display_name);
    let user_target = TargetResource::user(user.id, &user.user_principal_name);
    let allowed = match app.sign_in_audience() {
        SignInAudience::Everyone => true,
        SignInAudience::Locations => {
            apps::user_may_sign_in(state.store.reader(), app.id, user.id).await?
        }
    };
    if !allowed {
        let event = Event::failure(Activity::SignIn, "application_not_assigned")
            .target(user_target)
            .target(app_target);
        audit::record_alone(state, &who, event).await?;
        if prompt_none {
            let mut refused = redirect_error(
                state,
                &req.redirect_uri,
                "access_denied",
                "the user may not sign in to this application",
                req.state.as_deref(),
            );
            if let Outcome::Redirect { session, .. } = &mut refused {
                *session = new_session;
            }
            return Ok(refused);
        }
        return Ok(Outcome::NotAllowed {
            app_name: app.display_name.clone(),
            session: new_session,
        });
    }
    let code = random_secret();
    let row = CodeRow {
        code_hash: secret_hash(&code),
        application_id: app.id,
        user_id: user.id,
        session_hash: session.id_hash.clone(),
        sid: session.sid.clone(),
        redirect_uri: req.redirect_uri.clone(),
        scope: req.scope.clone(),
        nonce: req.nonce.clone(),
        code_challenge: req.code_challenge.clone(),
        token_version: session.token_version,
        auth_time: session.auth_time,
        created_at: now,
        expires_at: now + CODE_TTL,
        used_at: None,
        grant_id: None,
        amr: session.amr.clone(),
    };
    let mut tx = state.store.begin().await?;
    rows::insert_code(&mut tx, &row).await?;
    rows::touch_session(&mut tx, &session.id_hash, now).await?;
    let methods = methods_in_words(&session.amr);
    let methods = if new_session.is_some() {
        methods
    } else {
        format!("Existing session ({methods})")
    };
    let event = Event::success(Activity::SignIn)
        .target(user_target.with("authentication_methods", None, Some(methods)))
        .target(app_target);
    audit::record(&mut tx, &who, now, &*state.ids, event).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    let mut params = vec![("code", code.as_str())];
    if let Some(s) = req.state.as_deref() {
        params.push(("state", s));
    }
    params.push(("iss", &state.provider.issuer));
    Ok(Outcome::Redirect {
        location: with_query(&req.redirect_uri, &params),
        session: new_session,
    })
}

/// The authorization request a form carried, if this server sealed it, it has not
/// expired, and the browser's CSRF cookie is the one it was made for.
pub(crate) async fn pending_for(
    state: &AppState,
    sealed: &str,
    csrf_form: &str,
    csrf_cookie: Option<&str>,
) -> Result<Result<(PendingRequest, ApplicationRow), Outcome>, ApiError> {
    let foreign = || {
        error_page(
            "This sign-in form can't be used",
            "It was not opened in this browser, or cookies are blocked. Go back to the application and start again.",
        )
    };
    let p = match PendingRequest::open(&state.keys, sealed, state.now()).await {
        Ok(p) => p,
        Err(Refused::Expired) => return Ok(Err(expired_page())),
        Err(Refused::Invalid) => return Ok(Err(foreign())),
    };
    let cookie_ok = csrf_cookie.is_some_and(|c| hashes_equal(c, csrf_form));
    if !cookie_ok || !p.bound_to(csrf_form) {
        return Ok(Err(foreign()));
    }
    let Some(app) = apps::get(state.store.reader(), p.client_id).await? else {
        return Ok(Err(error_page(
            "This application isn't registered",
            "The application was removed while you were signing in.",
        )));
    };
    Ok(Ok((p, app)))
}

pub(crate) fn expired_page() -> Outcome {
    error_page(
        "This sign-in page has expired",
        "Go back to the application and start signing in again.",
    )
}

fn request_of(p: &PendingRequest) -> Request {
    Request {
        redirect_uri: p.redirect_uri.clone(),
        scope: p.scope.clone(),
        state: p.state.clone(),
        nonce: p.nonce.clone(),
        code_challenge: p.code_challenge.clone(),
    }
}

/// The hosted page again for the same request (`sealed`), with `errors`.
pub(crate) fn page(
    p: &PendingRequest,
    sealed: String,
    app: &ApplicationRow,
    csrf: &str,
    hint: Option<String>,
    errors: Vec<String>,
) -> PageContext {
    PageContext {
        request: sealed,
        csrf: csrf.to_owned(),
        app_name: app.display_name.clone(),
        login_hint: hint,
        errors,
        notice: None,
        redirect_origin: origin_of(&p.redirect_uri),
        password_for: None,
        domain_policy: None,
        enrolment: None,
        passkey: None,
        totp: true,
        sms_sign_in: false,
        sms: None,
    }
}

/// The sign-in page (at the start, or again after a refused password or passkey),
/// with its passkey button and, when the tenant allows it, SMS sign-in.
pub(crate) async fn sign_in_again(state: &AppState, ctx: PageContext) -> Result<Outcome, ApiError> {
    let passkey = crate::service::passkeys::sign_in_prompt(state, &ctx.csrf, None).await?;
    let sms_sign_in = crate::store::settings::sign_in(state.store.reader())
        .await?
        .sms_sign_in;
    Ok(Outcome::SignIn(PageContext {
        passkey,
        sms_sign_in,
        ..ctx
    }))
}

/// The mobile number (E.164) a second-factor code for `user` may go to: none after
/// an SMS sign-in (the same phone twice is one factor), none for someone holding an
/// admin role unless the server runs `--admin-sms-mfa allow`.
pub(crate) async fn sms_second_factor(
    state: &AppState,
    pending: &PendingRequest,
    user: UserId,
) -> Result<Option<String>, ApiError> {
    if pending
        .amr
        .as_deref()
        .is_some_and(|a| a.split(' ').any(|m| m == "sms"))
    {
        return Ok(None);
    }
    if state.policy.admin_sms_mfa == crate::config::AdminSmsMfa::Refuse
        && crate::service::signin::holds_admin_role(state, user).await?
    {
        return Ok(None);
    }
    crate::service::text_codes::mobile_of(state, user).await
}

/// The second step for `user`: a code from an authenticator app, a passkey, a code
/// by text message, or a choice of them, as the person has them.
async fn code_page(
    state: &AppState,
    ctx: PageContext,
    pending: &PendingRequest,
    user: UserId,
) -> Result<Outcome, ApiError> {
    let methods = crate::store::methods::confirmed_of(state.store.reader(), user).await?;
    let totp = methods
        .iter()
        .any(|m| m.kind == shared::dto::AuthenticationMethodKind::Totp.id());
    let passkey = crate::service::passkeys::sign_in_prompt(state, &ctx.csrf, Some(user)).await?;
    let sms = sms_second_factor(state, pending, user)
        .await?
        .map(|number| SmsFactor {
            to: crate::domain::PhoneNumber::mask_e164(&number),
            sent: pending.text_code.is_some(),
        });
    Ok(Outcome::Code(PageContext {
        // Someone with nothing here (passkeys unavailable) still gets the code field.
        totp: totp || (passkey.is_none() && sms.is_none()),
        passkey,
        sms,
        ..ctx
    }))
}

/// The forced change's page: `page` with whose password it is.
pub(crate) async fn change_page(
    state: &AppState,
    ctx: PageContext,
    account: &crate::store::accounts::Account,
) -> Outcome {
    let domain_policy = match crate::service::directory::linked(state, account) {
        None => None,
        Some((dir, _)) => Some(crate::service::directory::policy(&dir).await),
    };
    Outcome::ChangePassword(PageContext {
        password_for: Some((
            account.user_principal_name.clone(),
            account.display_name.clone(),
        )),
        domain_policy,
        ..ctx
    })
}

/// The hosted page's words when the on-premises directory does not answer.
pub(crate) const DIRECTORY_DOWN: &str =
    "Your company directory can't be reached right now, so nothing was changed. Try again in a few minutes.";

/// The words the hosted page shows for a refused sign-in.
fn sign_in_message(e: &ApiError) -> Option<String> {
    Some(match e {
        ApiError::Locked { retry_after_secs } => format!(
            "This account is locked after too many failed sign-ins. Try again in {} minutes, or ask your manager to reset your password.",
            retry_after_secs.div_ceil(60).max(1)
        ),
        ApiError::RateLimited { retry_after_secs } => {
            format!("Too many sign-in attempts from here. Try again in {retry_after_secs} seconds.")
        }
        ApiError::DirectoryUnavailable => "Your company directory can't be reached right now to check your password. Try again in a few minutes.".to_owned(),
        ApiError::Unauthorized { code, detail } => match code {
            ErrorCode::AccountLocked => detail.clone(),
            ErrorCode::AccountDisabled => {
                "This account is turned off. Ask your manager or administrator.".to_owned()
            }
            ErrorCode::TemporaryPasswordExpired => {
                "This temporary password has expired or was already used. Ask your manager for a new one.".to_owned()
            }
            _ => "That sign-in name and password don't match.".to_owned(),
        },
        ApiError::Validation(_) => "Enter both your sign-in name and your password.".to_owned(),
        _ => return None,
    })
}

/// Starts a provider session for `user` (ending the browser's previous one), and
/// spends the form's request in the same transaction: `None` when it was used already.
async fn start_session(
    state: &AppState,
    user: UserId,
    token_version: i64,
    previous_cookie: Option<&str>,
    pending: &PendingRequest,
) -> Result<Option<(SessionRow, NewSession)>, ApiError> {
    let amr = match pending.amr.as_deref() {
        Some(amr) => amr,
        None if pending.second_factor => AMR_PASSWORD_AND_OTP,
        None => AMR_PASSWORD,
    };
    let now = state.now();
    let value = random_secret();
    let row = SessionRow {
        id_hash: secret_hash(&value),
        sid: state.new_id(),
        user_id: user,
        token_version,
        auth_time: now,
        created_at: now,
        last_seen_at: now,
        expires_at: now + state.provider.session_lifetime,
        ended_at: None,
        amr: amr.to_owned(),
    };
    let mut tx = state.store.begin().await?;
    if !rows::spend_request(&mut tx, &pending.id, pending.expires_at).await? {
        tx.rollback().await.map_err(StoreError::Other)?;
        return Ok(None);
    }
    if let Some(old) = previous_cookie.filter(|c| !c.is_empty() && c.len() <= 128) {
        rows::end_session(&mut tx, Some(&secret_hash(old)), None, now).await?;
    }
    rows::insert_session(&mut tx, &row).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(Some((
        row,
        NewSession {
            cookie_value: value,
        },
    )))
}

/// The hosted page proved who `user` (id, token version) is: a new provider session,
/// the form's request spent, and on to the application.
async fn signed_in(
    state: &AppState,
    who: &Initiator,
    app: &ApplicationRow,
    pending: &PendingRequest,
    (user, token_version): (UserId, i64),
    session_cookie: Option<&str>,
) -> Result<Outcome, ApiError> {
    let Some((session, new)) =
        start_session(state, user, token_version, session_cookie, pending).await?
    else {
        return Ok(error_page(
            "This sign-in form was already used",
            "Go back to the application and start signing in again.",
        ));
    };
    let req = request_of(pending);
    complete(state, who, app, &req, &session, Some(new), false).await
}

/// `POST /oauth2/sign-in`: the hosted page's sign-in name and password.
pub async fn sign_in(
    state: &AppState,
    who: Initiator,
    form: SignInForm,
    session_cookie: Option<&str>,
    csrf_cookie: Option<&str>,
) -> Result<Outcome, ApiError> {
    let (pending, app) = match pending_for(state, &form.request, &form.csrf, csrf_cookie).await? {
        Ok(found) => found,
        Err(outcome) => return Ok(outcome),
    };
    if !pending.at_start() {
        // A later step's request names who signed in already; not a sign-in form.
        return Ok(expired_page());
    }
    let app_target = TargetResource::application(app.id, &app.display_name);
    let username = form.username.clone();
    let req = TokenRequest {
        username: form.username,
        password: form.password,
    };
    let (account, with_pass) = match crate::service::signin::check_password_or_pass(
        state,
        who.clone(),
        req,
        Some(app_target),
    )
    .await
    {
        Ok(a) => a,
        Err(e) => match sign_in_message(&e) {
            Some(msg) => {
                let ctx = page(
                    &pending,
                    form.request,
                    &app,
                    &form.csrf,
                    Some(username),
                    vec![msg],
                );
                return sign_in_again(state, ctx).await;
            }
            None => return Err(e),
        },
    };
    let mut who = who;
    who.user_id = Some(account.id.to_string());
    who.user_principal_name = Some(account.user_principal_name.clone());
    // A Temporary Access Pass is a strong method by itself: no code step follows,
    // nor the forced password change (the person may not know the password).
    let pending = if with_pass {
        PendingRequest {
            second_factor: true,
            amr: Some(AMR_TEMPORARY_ACCESS_PASS.to_owned()),
            ..pending
        }
    } else {
        pending
    };
    next_step(
        state,
        &who,
        &app,
        pending,
        &account,
        &form.csrf,
        session_cookie,
    )
    .await
}

/// Whether a sign-in (its stored `amr`) falls short of the policy for `user`: made
/// without a second factor by someone the policy now asks one of
/// (`service::signin::mfa_required`: an admin role was assigned since, say, or the
/// tenant turned on MFA for everyone).
async fn lacks_required_mfa(state: &AppState, user: UserId, amr: &str) -> Result<bool, ApiError> {
    let list = amr_list(amr);
    let has = |m: &str| list.iter().any(|x| x == m);
    if has("mfa") {
        // A text message as the second factor does not do for an admin while the
        // server refuses it (an admin role assigned since, say).
        let by_text_only = has("sms") && !has("otp") && !has("hwk") && !has("swk");
        return Ok(by_text_only
            && state.policy.admin_sms_mfa == crate::config::AdminSmsMfa::Refuse
            && crate::service::signin::holds_admin_role(state, user).await?);
    }
    crate::service::signin::mfa_required(state, user).await
}

/// The `amr` after a second factor `factor` ("otp", "hwk user") on top of the first
/// step's: the password's unless the first step set its own (a badge and PIN).
fn with_second_factor(p: &PendingRequest, factor: &str) -> String {
    let first = p.amr.as_deref().unwrap_or(AMR_PASSWORD);
    format!("{first} {factor} mfa")
}

/// Whether the sign-in so far was proved without the password (a passkey, or an SMS
/// code, alone).
fn without_password(p: &PendingRequest) -> bool {
    p.amr
        .as_deref()
        .is_some_and(|a| !a.split(' ').any(|m| m == "pwd"))
}

/// After the password (or a later step): what the sign-in still needs, in order: the
/// second factor, a code from an authenticator app or a passkey (before anything
/// else, so a password alone changes nothing), the forced password change (not
/// after a passkey alone), the admin policy's enrolment of a first authenticator
/// app; then a session and on to the application.
pub(crate) async fn next_step(
    state: &AppState,
    who: &Initiator,
    app: &ApplicationRow,
    pending: PendingRequest,
    account: &crate::store::accounts::Account,
    csrf: &str,
    session_cookie: Option<&str>,
) -> Result<Outcome, ApiError> {
    let now = state.now();
    let me = (account.id, account.token_version);
    // A text message does as the second factor only where the policy asks for one
    // (it is weaker than the methods the person chose to add).
    let second_step = !pending.second_factor
        && (crate::service::mfa::has_second_factor(state, account.id).await?
            || (crate::service::signin::mfa_required(state, account.id).await?
                && sms_second_factor(state, &pending, account.id)
                    .await?
                    .is_some()));
    if second_step {
        let next = PendingRequest {
            code_for: Some(me),
            password_change: None,
            text_code: None,
            ..pending
        };
        let sealed = next.seal(&state.keys, now).map_err(ApiError::Internal)?;
        let ctx = page(&next, sealed, app, csrf, None, Vec::new());
        return code_page(state, ctx, &next, account.id).await;
    }
    // A passkey alone proves who it is without the password: the forced change waits
    // for the next sign-in with the password.
    if account.force_password_change && !without_password(&pending) {
        // The same request, now naming who must choose a password, at the token version
        // the change will move on from (so the form changes it once).
        let change = PendingRequest {
            password_change: Some(me),
            code_for: None,
            ..pending
        };
        let sealed = change.seal(&state.keys, now).map_err(ApiError::Internal)?;
        let ctx = page(&change, sealed, app, csrf, None, Vec::new());
        return Ok(change_page(state, ctx, account).await);
    }
    if !pending.second_factor && crate::service::signin::mfa_required(state, account.id).await? {
        let enrolment = crate::service::mfa::start_enrolment(
            state,
            account.id,
            &account.user_principal_name,
            None,
        )
        .await?;
        let next = PendingRequest {
            enrolling: Some((account.id, account.token_version, enrolment.id.to_string())),
            password_change: None,
            code_for: None,
            ..pending
        };
        let sealed = next.seal(&state.keys, now).map_err(ApiError::Internal)?;
        return Ok(Outcome::EnrolTotp(PageContext {
            enrolment: Some(enrolment),
            ..page(&next, sealed, app, csrf, None, Vec::new())
        }));
    }
    signed_in(state, who, app, &pending, me, session_cookie).await
}

/// The hosted page's code form: the second step, and the admin policy's enrolment.
#[derive(Deserialize)]
pub struct CodeForm {
    pub request: String,
    pub csrf: String,
    #[serde(default)]
    pub code: String,
}

/// The account a later step's request names, if it still exists at that token
/// version (a reset or change since ends the form).
pub(crate) async fn account_at(
    state: &AppState,
    user: UserId,
    token_version: i64,
) -> Result<Option<crate::store::accounts::Account>, ApiError> {
    let a = crate::store::accounts::read(state.store.reader(), user).await?;
    Ok(a.filter(|a| a.token_version == token_version && a.account_enabled))
}

const WRONG_CODE: &str =
    "That code is not right, or was used already. Enter the code your authenticator app shows now.";

/// `POST /oauth2/verify-code`: the code from the person's authenticator app, under
/// the account lockout (wrong codes count like wrong passwords).
pub async fn verify_code(
    state: &AppState,
    mut who: Initiator,
    form: CodeForm,
    session_cookie: Option<&str>,
    csrf_cookie: Option<&str>,
) -> Result<Outcome, ApiError> {
    let (pending, app) = match pending_for(state, &form.request, &form.csrf, csrf_cookie).await? {
        Ok(found) => found,
        Err(outcome) => return Ok(outcome),
    };
    let Some((user, token_version)) = pending.code_for else {
        return Ok(expired_page());
    };
    let Some(account) = account_at(state, user, token_version).await? else {
        return Ok(expired_page());
    };
    who.user_id = Some(account.id.to_string());
    who.user_principal_name = Some(account.user_principal_name.clone());
    if let Some((_, challenge)) = pending.text_code.clone() {
        return verify_text_code(
            state,
            who,
            form,
            pending,
            app,
            account,
            &challenge,
            session_cookie,
        )
        .await;
    }
    let app_target = TargetResource::application(app.id, &app.display_name);
    match crate::service::mfa::check_code(state, &who, &account, &form.code, Some(&app_target))
        .await
    {
        Ok(()) => {}
        Err(e @ ApiError::Locked { .. }) | Err(e @ ApiError::Validation(_)) => {
            let msg = match &e {
                ApiError::Locked { .. } => sign_in_message(&e).unwrap_or_default(),
                _ => WRONG_CODE.to_owned(),
            };
            let ctx = page(&pending, form.request, &app, &form.csrf, None, vec![msg]);
            return code_page(state, ctx, &pending, account.id).await;
        }
        Err(e) => return Err(e),
    }
    let next = PendingRequest {
        code_for: None,
        second_factor: true,
        // After a badge and PIN the code is its second factor; after a password the
        // stored default (`pwd otp mfa`) says so.
        amr: pending
            .amr
            .as_ref()
            .map(|_| with_second_factor(&pending, "otp")),
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

/// The second step's "Text me a code": a code by text message to the person's
/// mobile number (where [`sms_second_factor`] allows one), under the SMS rate limits;
/// the code page then asks for it.
pub async fn send_second_factor_code(
    state: &AppState,
    mut who: Initiator,
    form: CodeForm,
    language: crate::service::text_codes::Language,
    csrf_cookie: Option<&str>,
) -> Result<Outcome, ApiError> {
    use crate::service::text_codes::{self, Purpose, Recipient};
    let (pending, app) = match pending_for(state, &form.request, &form.csrf, csrf_cookie).await? {
        Ok(found) => found,
        Err(outcome) => return Ok(outcome),
    };
    let Some((user, token_version)) = pending.code_for else {
        return Ok(expired_page());
    };
    let Some(account) = account_at(state, user, token_version).await? else {
        return Ok(expired_page());
    };
    let Some(number) = sms_second_factor(state, &pending, user).await? else {
        return Ok(expired_page());
    };
    who.user_id = Some(account.id.to_string());
    who.user_principal_name = Some(account.user_principal_name.clone());
    let name = account.user_principal_name.clone();
    let sent = text_codes::send(
        state,
        &who,
        Purpose::SecondFactor,
        &name,
        Some(Recipient {
            user,
            number: &number,
        }),
        language,
    )
    .await;
    let challenge = match sent {
        Ok(id) => id,
        Err(ApiError::RateLimited { retry_after_secs }) => {
            let msg = format!(
                "Too many codes were asked for. Try again in {} minutes, or use another way to sign in.",
                retry_after_secs.div_ceil(60).max(1)
            );
            let ctx = page(&pending, form.request, &app, &form.csrf, None, vec![msg]);
            return code_page(state, ctx, &pending, user).await;
        }
        Err(e) => return Err(e),
    };
    let next = PendingRequest {
        text_code: Some((name, challenge)),
        ..pending
    };
    let sealed = next
        .seal(&state.keys, state.now())
        .map_err(ApiError::Internal)?;
    let ctx = page(&next, sealed, &app, &form.csrf, None, Vec::new());
    code_page(state, ctx, &next, user).await
}

/// The second step's code by text message ([`send_second_factor_code`]): right, and
/// the sign-in goes on as `pwd sms mfa`; wrong, and the page says how many tries are
/// left (three per code, then a new code).
#[allow(clippy::too_many_arguments)]
async fn verify_text_code(
    state: &AppState,
    who: Initiator,
    form: CodeForm,
    pending: PendingRequest,
    app: ApplicationRow,
    account: crate::store::accounts::Account,
    challenge: &str,
    session_cookie: Option<&str>,
) -> Result<Outcome, ApiError> {
    use crate::service::text_codes::{self, Checked, Purpose};
    let checked = text_codes::check(state, challenge, Purpose::SecondFactor, &form.code).await?;
    let msg = match checked {
        Checked::Accepted(user) if user == account.id => None,
        Checked::Accepted(_) => return Ok(expired_page()),
        Checked::Wrong { left } => Some(format!(
            "That code isn't right. Check the text message and try again ({left} {} left).",
            if left == 1 { "try" } else { "tries" }
        )),
        Checked::NeedsNewCode => {
            Some("This code has expired or has had too many tries. Send a new code.".to_owned())
        }
    };
    if let Some(msg) = msg {
        let ctx = page(&pending, form.request, &app, &form.csrf, None, vec![msg]);
        return code_page(state, ctx, &pending, account.id).await;
    }
    let next = PendingRequest {
        code_for: None,
        text_code: None,
        second_factor: true,
        amr: Some(with_second_factor(&pending, "sms")),
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

/// The hosted page's passkey form: the ceremony its page was shown with and what
/// `navigator.credentials.get()` gave (JSON; empty when the person cancelled).
#[derive(Deserialize)]
pub struct PasskeyForm {
    pub request: String,
    pub csrf: String,
    #[serde(default)]
    pub passkey: String,
    #[serde(default)]
    pub credential: String,
}

const PASSKEY_REFUSED: &str = "That passkey didn't work. Try again, or sign in with your password.";

/// `POST /oauth2/passkey`: a passkey as the whole sign-in (from the sign-in page:
/// the authenticator names the account; its user verification is the second
/// factor, so `amr` is `hwk user mfa`, or `swk` for a synced passkey) or as the
/// second step after the password (`pwd hwk user mfa`). The account must be
/// enabled and not locked; the admin policy is met; then on as after a code.
pub async fn passkey(
    state: &AppState,
    mut who: Initiator,
    form: PasskeyForm,
    session_cookie: Option<&str>,
    csrf_cookie: Option<&str>,
) -> Result<Outcome, ApiError> {
    let (pending, app) = match pending_for(state, &form.request, &form.csrf, csrf_cookie).await? {
        Ok(found) => found,
        Err(outcome) => return Ok(outcome),
    };
    if pending.password_change.is_some()
        || pending.enrolling.is_some()
        || pending.second_factor
        || pending.text_code.is_some()
        || pending.reset_for.is_some()
        || pending.badge_for.is_some()
        || (pending.code_for.is_none() && pending.amr.is_some())
    {
        return Ok(expired_page());
    }
    let expected = pending.code_for;
    let app_target = TargetResource::application(app.id, &app.display_name);
    let checked = crate::service::passkeys::check_assertion(
        state,
        &who,
        (&form.passkey, &form.credential, &form.csrf),
        expected.map(|(user, _)| user),
        &app_target,
    )
    .await?;
    let accepted = match checked {
        Ok(a) => a,
        Err(refusal) => {
            use crate::service::passkeys::Refusal;
            let msg = match refusal {
                Refusal::Locked { retry_after_secs } => {
                    sign_in_message(&ApiError::Locked { retry_after_secs }).unwrap_or_default()
                }
                Refusal::Disabled => {
                    "This account is turned off. Ask your manager or administrator.".to_owned()
                }
                Refusal::Cancelled => {
                    "No passkey was used. Try again, or sign in with your password.".to_owned()
                }
                Refusal::NotAccepted => PASSKEY_REFUSED.to_owned(),
            };
            let ctx = page(&pending, form.request, &app, &form.csrf, None, vec![msg]);
            return match expected {
                Some((user, _)) => code_page(state, ctx, &pending, user).await,
                None => sign_in_again(state, ctx).await,
            };
        }
    };
    let account = accepted.account;
    if expected.is_some_and(|(_, version)| version != account.token_version) {
        return Ok(expired_page());
    }
    who.user_id = Some(account.id.to_string());
    who.user_principal_name = Some(account.user_principal_name.clone());
    let amr = match expected {
        Some(_) => with_second_factor(&pending, accepted.amr),
        None => format!("{} mfa", accepted.amr),
    };
    let next = PendingRequest {
        code_for: None,
        second_factor: true,
        amr: Some(amr),
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

/// `POST /oauth2/enrol-totp`: the admin policy's first authenticator app, confirmed
/// with its first code (audited "Register authenticator app"); that code is the
/// sign-in's second factor.
pub async fn enrol_totp(
    state: &AppState,
    mut who: Initiator,
    form: CodeForm,
    session_cookie: Option<&str>,
    csrf_cookie: Option<&str>,
) -> Result<Outcome, ApiError> {
    let (pending, app) = match pending_for(state, &form.request, &form.csrf, csrf_cookie).await? {
        Ok(found) => found,
        Err(outcome) => return Ok(outcome),
    };
    let Some((user, token_version, method)) = pending.enrolling.clone() else {
        return Ok(expired_page());
    };
    let Some(account) = account_at(state, user, token_version).await? else {
        return Ok(expired_page());
    };
    who.user_id = Some(account.id.to_string());
    who.user_principal_name = Some(account.user_principal_name.clone());
    let upn = account.user_principal_name.clone();
    match crate::service::mfa::confirm_enrolment(state, &who, (user, &upn), &method, &form.code)
        .await
    {
        Ok(_) => {}
        Err(ApiError::Validation(_)) => {
            let Some(enrolment) =
                crate::service::mfa::pending_enrolment(state, user, &upn, &method).await?
            else {
                return Ok(expired_page());
            };
            return Ok(Outcome::EnrolTotp(PageContext {
                enrolment: Some(enrolment),
                ..page(
                    &pending,
                    form.request,
                    &app,
                    &form.csrf,
                    None,
                    vec![WRONG_CODE.to_owned()],
                )
            }));
        }
        Err(ApiError::NotFound(_)) | Err(ApiError::Conflict { .. }) => return Ok(expired_page()),
        Err(e) => return Err(e),
    }
    let next = PendingRequest {
        enrolling: None,
        second_factor: true,
        amr: pending
            .amr
            .as_ref()
            .map(|_| with_second_factor(&pending, "otp")),
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

/// The hosted sign-in form.
#[derive(Deserialize)]
pub struct SignInForm {
    pub request: String,
    pub csrf: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
}

/// The hosted page's forced password change.
#[derive(Deserialize)]
pub struct ChangePasswordForm {
    pub request: String,
    pub csrf: String,
    /// Asked only of users whose password the on-premises directory keeps.
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
    #[serde(default)]
    pub confirm_password: String,
}

/// `POST /oauth2/change-password`: the new password a sign-in demanded, under the
/// same policy as `POST /api/v1/me/password`; then on to the application.
pub async fn change_password(
    state: &AppState,
    mut who: Initiator,
    form: ChangePasswordForm,
    session_cookie: Option<&str>,
    csrf_cookie: Option<&str>,
) -> Result<Outcome, ApiError> {
    let (pending, app) = match pending_for(state, &form.request, &form.csrf, csrf_cookie).await? {
        Ok(found) => found,
        Err(outcome) => return Ok(outcome),
    };
    let Some((user, token_version)) = pending.password_change else {
        return sign_in_again(
            state,
            page(&pending, form.request, &app, &form.csrf, None, Vec::new()),
        )
        .await;
    };
    let Some(account) = crate::store::accounts::read(state.store.reader(), user).await? else {
        return Ok(error_page(
            "This account no longer exists",
            "Ask your manager.",
        ));
    };
    if account.token_version != token_version {
        // Changed already through this form, or reset since: sign in again.
        return Ok(expired_page());
    }
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
        return Ok(change_page(state, ctx, &account).await);
    }
    let changed = match crate::service::directory::linked(state, &account) {
        Some((dir, guid)) => {
            crate::service::passwords::change_in_directory(
                state,
                &who,
                &account,
                (&dir, guid),
                &form.current_password,
                form.new_password,
                "new_password",
            )
            .await
        }
        None => {
            crate::service::passwords::set_own_password(state, &who, &account, form.new_password)
                .await
        }
    };
    match changed {
        Ok(()) => {}
        Err(ApiError::Validation(errors)) => {
            let messages = errors.into_iter().map(|e| e.message).collect();
            let ctx = page(&pending, form.request, &app, &form.csrf, None, messages);
            return Ok(change_page(state, ctx, &account).await);
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
            return Ok(change_page(state, ctx, &account).await);
        }
        Err(e) => return Err(e),
    }
    let Some(account) = crate::store::accounts::read(state.store.reader(), user).await? else {
        return Ok(error_page(
            "This account no longer exists",
            "Ask your manager.",
        ));
    };
    let next = PendingRequest {
        password_change: None,
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

// ---------------------------------------------------------------------------------
// Token endpoint, userinfo, revocation

/// An OAuth error answer (RFC 6749 section 5.2, RFC 6750 section 3).
#[derive(Debug)]
pub struct OAuthError {
    pub status: u16,
    pub error: &'static str,
    pub description: String,
    /// Answer with `WWW-Authenticate` (Basic for the token endpoint, Bearer for userinfo).
    pub challenge: Option<&'static str>,
}

impl OAuthError {
    fn new(status: u16, error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status,
            error,
            description: description.into(),
            challenge: None,
        }
    }

    fn grant(description: &str) -> Self {
        Self::new(400, "invalid_grant", description)
    }

    fn request(description: &str) -> Self {
        Self::new(400, "invalid_request", description)
    }
}

impl From<ApiError> for OAuthError {
    fn from(e: ApiError) -> Self {
        // Logged by the caller through the ApiError's own rendering path.
        if let ApiError::Internal(err) = &e {
            tracing::error!(error = format!("{err:#}"), "internal error");
        }
        let unavailable = matches!(e, ApiError::Unavailable);
        OAuthError::new(
            if unavailable { 503 } else { 500 },
            if unavailable {
                "temporarily_unavailable"
            } else {
                "server_error"
            },
            "try again later",
        )
    }
}

impl From<StoreError> for OAuthError {
    fn from(e: StoreError) -> Self {
        ApiError::from(e).into()
    }
}

/// How the client authenticated at the token or revocation endpoint.
#[derive(Default)]
pub struct ClientCredentials {
    /// From `Authorization: Basic`.
    pub basic: Option<(String, String)>,
    /// Whether an `Authorization` header was sent that is not valid Basic.
    pub bad_header: bool,
}

/// The form of the token and revocation endpoints, refusing repeated parameters.
pub fn parse_form(body: &[u8]) -> Result<std::collections::HashMap<String, String>, OAuthError> {
    let mut out = std::collections::HashMap::new();
    for (k, v) in url::form_urlencoded::parse(body) {
        if out.insert(k.into_owned(), v.into_owned()).is_some() {
            return Err(OAuthError::request("a parameter was sent more than once"));
        }
    }
    Ok(out)
}

fn invalid_client(basic: bool) -> OAuthError {
    OAuthError {
        status: 401,
        error: "invalid_client",
        description: "client authentication failed".to_owned(),
        challenge: basic.then_some("Basic realm=\"openstaff\""),
    }
}

/// Authenticates the client: `client_secret_basic`, `client_secret_post`, or a
/// public client naming itself with `client_id`.
pub async fn authenticate_client(
    state: &AppState,
    creds: &ClientCredentials,
    form: &std::collections::HashMap<String, String>,
) -> Result<ApplicationRow, OAuthError> {
    if creds.bad_header {
        return Err(invalid_client(true));
    }
    let form_id = form.get("client_id");
    let form_secret = form.get("client_secret");
    let (client_id, secret, basic) = match &creds.basic {
        Some((id, secret)) => {
            if form_secret.is_some() {
                return Err(OAuthError::request("use one client authentication method"));
            }
            if form_id.is_some_and(|f| f != id) {
                return Err(invalid_client(true));
            }
            (id.clone(), Some(secret.clone()), true)
        }
        None => match form_id {
            Some(id) => (id.clone(), form_secret.cloned(), false),
            None => return Err(invalid_client(false)),
        },
    };
    let app = application(state, &client_id)
        .await?
        .ok_or_else(|| invalid_client(basic))?;
    match (app.client_type(), secret, app.secret_hash.as_deref()) {
        (ClientType::Public, None, _) => Ok(app),
        (ClientType::Confidential, Some(s), Some(stored))
            if hashes_equal(&secret_hash(&s), stored) =>
        {
            Ok(app)
        }
        _ => Err(invalid_client(basic)),
    }
}

/// The ID token's claims.
#[derive(Debug, Serialize, Deserialize)]
pub struct IdClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: u64,
    pub iat: u64,
    pub auth_time: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(default)]
    pub amr: Vec<String>,
    pub sid: String,
    pub azp: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// How `app`'s ID tokens are signed.
fn id_token_alg(app: &ApplicationRow) -> Algorithm {
    match app.id_token_alg() {
        IdTokenAlg::Rs256 => Algorithm::RS256,
        IdTokenAlg::EdDsa => Algorithm::EdDSA,
    }
}

/// The token endpoint's success answer.
#[derive(Serialize)]
pub struct TokenAnswer {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    /// From the code exchange; a refresh answers without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Empty (and left out) for client credentials, whose token has no scopes.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub scope: String,
}

impl std::fmt::Debug for TokenAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenAnswer")
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

fn unix_secs(t: Micros) -> u64 {
    t.unix_seconds()
}

/// A stored `amr` (space-separated) as the claim's list.
fn amr_list(stored: &str) -> Vec<String> {
    stored
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A stored `amr` in words for the audit log: "Password, Authenticator app",
/// "Passkey (synced)", "Temporary Access Pass".
pub fn methods_in_words(amr: &str) -> String {
    let list = amr_list(amr);
    let has = |m: &str| list.iter().any(|x| x == m);
    let mut words = Vec::new();
    if has("pwd") {
        words.push("Password");
    }
    if has("pin") {
        words.push("Badge and PIN");
    }
    if has("sms") {
        words.push("Text message code");
    }
    if has("otp") {
        words.push(if has("pwd") || has("pin") || has("sms") {
            "Authenticator app"
        } else {
            "Temporary Access Pass"
        });
    }
    if has("hwk") {
        words.push("Passkey (device-bound)");
    }
    if has("swk") {
        words.push("Passkey (synced)");
    }
    if words.is_empty() {
        return amr.to_owned();
    }
    words.join(", ")
}

/// The stored `amr` of a sign-in with a password alone.
pub const AMR_PASSWORD: &str = "pwd";
/// The stored `amr` of a sign-in with a password and a code from an authenticator app.
pub const AMR_PASSWORD_AND_OTP: &str = "pwd otp mfa";
/// The stored `amr` of a sign-in with a Temporary Access Pass: a one-time code
/// (RFC 8176 `otp`) that counts as strong by itself, as in Entra ID.
pub const AMR_TEMPORARY_ACCESS_PASS: &str = "otp mfa";
/// The stored `amr` of a sign-in with a badge and its PIN (RFC 8176 `pin`): one
/// factor, never `mfa`; a second factor adds to it (`pin otp mfa`).
pub const AMR_BADGE: &str = "pin";
/// The stored `amr` of an SMS sign-in (RFC 8176 `sms`): one factor, never `mfa`; as
/// the second factor after a password it is `pwd sms mfa`.
pub const AMR_SMS: &str = "sms";

/// `POST /oauth2/token`.
pub async fn token(
    state: &AppState,
    who: &Initiator,
    creds: &ClientCredentials,
    form: std::collections::HashMap<String, String>,
) -> Result<TokenAnswer, OAuthError> {
    let app = authenticate_client(state, creds, &form).await?;
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => exchange_code(state, &app, &form).await,
        Some("refresh_token") => refresh(state, &app, &form).await,
        Some("client_credentials") => client_credentials(state, who, &app, &form).await,
        Some(_) => Err(OAuthError::new(
            400,
            "unsupported_grant_type",
            "grant_type must be authorization_code, refresh_token or client_credentials",
        )),
        None => Err(OAuthError::request("grant_type is missing")),
    }
}

async fn exchange_code(
    state: &AppState,
    app: &ApplicationRow,
    form: &std::collections::HashMap<String, String>,
) -> Result<TokenAnswer, OAuthError> {
    let code = form
        .get("code")
        .ok_or_else(|| OAuthError::request("code is missing"))?;
    let redirect_uri = form
        .get("redirect_uri")
        .ok_or_else(|| OAuthError::request("redirect_uri is missing"))?;
    let verifier = form.get("code_verifier");
    let now = state.now();
    let hash = secret_hash(code);
    // The grant this exchange issues, named on the code as it is marked used (so a
    // replay finds what to revoke).
    let grant_id = state.new_id();
    let mut tx = state.store.begin().await?;
    let c = match rows::take_code(&mut tx, &hash, &grant_id, now).await? {
        Some(TakenCode::First(c)) if c.application_id == app.id => c,
        Some(TakenCode::Again(c)) if c.application_id == app.id => {
            // A replay: whoever holds this code, what its first use issued is revoked.
            if let Some(g) = &c.grant_id {
                rows::revoke_grant(&mut tx, g, now).await?;
            }
            tx.commit().await.map_err(StoreError::Other)?;
            return Err(OAuthError::grant("the code was already used"));
        }
        _ => {
            tx.rollback().await.map_err(StoreError::Other)?;
            return Err(OAuthError::grant("the code is invalid"));
        }
    };
    // The code is used up from here on, whatever else is wrong.
    let refuse = |why: &'static str| OAuthError::grant(why);
    let failure = if c.expires_at <= now {
        Some(refuse("the code has expired"))
    } else if &c.redirect_uri != redirect_uri {
        Some(refuse(
            "redirect_uri does not match the authorization request",
        ))
    } else {
        match verifier {
            None => Some(OAuthError::request("code_verifier is missing (PKCE)")),
            Some(v) if !is_pkce_value(v) => Some(refuse("code_verifier is not valid")),
            Some(v) => {
                let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes()));
                (!hashes_equal(&computed, &c.code_challenge))
                    .then(|| refuse("code_verifier does not match the code_challenge"))
            }
        }
    };
    if let Some(e) = failure {
        tx.commit().await.map_err(StoreError::Other)?;
        return Err(e);
    }
    let session = rows::session_by_hash(state.store.reader(), &c.session_hash).await?;
    let session_live = session.as_ref().is_some_and(|s| {
        s.session.ended_at.is_none() && s.user_token_version == c.token_version && s.account_enabled
    });
    if !session_live {
        tx.commit().await.map_err(StoreError::Other)?;
        return Err(refuse("the sign-in behind this code has ended"));
    }
    let expires_at = session.map(|s| s.session.expires_at).unwrap_or(now);
    let grant = GrantRow {
        id: grant_id,
        application_id: app.id,
        user_id: c.user_id,
        session_hash: c.session_hash.clone(),
        sid: c.sid.clone(),
        scope: c.scope.clone(),
        token_version: c.token_version,
        auth_time: c.auth_time,
        created_at: now,
        expires_at,
        revoked_at: None,
        amr: c.amr.clone(),
    };
    rows::insert_grant(&mut tx, &grant).await?;
    let refresh = if has_scope(&grant.scope, "offline_access") {
        let r = random_secret();
        rows::insert_refresh(&mut tx, &secret_hash(&r), &grant.id, now).await?;
        Some(r)
    } else {
        None
    };
    tx.commit().await.map_err(StoreError::Other)?;
    issue(state, app, &grant, c.nonce, refresh, true).await
}

async fn refresh(
    state: &AppState,
    app: &ApplicationRow,
    form: &std::collections::HashMap<String, String>,
) -> Result<TokenAnswer, OAuthError> {
    let token = form
        .get("refresh_token")
        .ok_or_else(|| OAuthError::request("refresh_token is missing"))?;
    let now = state.now();
    let mut tx = state.store.begin().await?;
    let Some((grant_id, reused)) = rows::take_refresh(&mut tx, &secret_hash(token), now).await?
    else {
        tx.rollback().await.map_err(StoreError::Other)?;
        return Err(OAuthError::grant("the refresh token is invalid"));
    };
    let grant = rows::live_grant(&mut *tx, &grant_id, now).await?;
    let Some(grant) = grant.filter(|g| g.application_id == app.id) else {
        tx.rollback().await.map_err(StoreError::Other)?;
        return Err(OAuthError::grant(
            "the refresh token is invalid or has been revoked",
        ));
    };
    if reused {
        // A rotated token came back: someone else has a copy. End the whole family.
        rows::revoke_grant(&mut tx, &grant.id, now).await?;
        tx.commit().await.map_err(StoreError::Other)?;
        return Err(OAuthError::grant(
            "the refresh token was already used; the grant is revoked",
        ));
    }
    if lacks_required_mfa(state, grant.user_id, &grant.amr).await? {
        // Signed in with a password alone, and the policy now wants more: the person
        // signs in again (with a second factor) rather than refresh around it.
        rows::revoke_grant(&mut tx, &grant.id, now).await?;
        tx.commit().await.map_err(StoreError::Other)?;
        return Err(OAuthError::grant(
            "this sign-in needs a second factor now; sign in again",
        ));
    }
    if let Some(scope) = form.get("scope") {
        let narrower = scope
            .split(' ')
            .filter(|s| !s.is_empty())
            .all(|s| has_scope(&grant.scope, s));
        if !narrower {
            tx.rollback().await.map_err(StoreError::Other)?;
            return Err(OAuthError::new(
                400,
                "invalid_scope",
                "a refresh cannot widen the scope",
            ));
        }
    }
    let next = random_secret();
    rows::insert_refresh(&mut tx, &secret_hash(&next), &grant.id, now).await?;
    // The application's use counts as the person's activity for the idle timeout.
    rows::touch_session(&mut tx, &grant.session_hash, now).await?;
    tx.commit().await.map_err(StoreError::Other)?;
    // No new ID token (OpenID Connect Core 12.2): the sign-in it describes has not
    // changed, and signing one would cost more than the rest of the refresh.
    issue(state, app, &grant, None, Some(next), false).await
}

/// The client-credentials grant (RFC 6749 section 4.4): a confidential application
/// signs in as itself and gets an access token for the OpenStaff API that carries its
/// own role assignments, read on every request like a person's. It answers an access
/// token only: no refresh token (the application can always ask again with its
/// secret) and no ID token (no one signed in). `scope` is not supported yet: what the
/// token may do is the application's role assignments, so any `scope` is refused
/// rather than silently ignored. Each issuance is audited, under the application.
async fn client_credentials(
    state: &AppState,
    who: &Initiator,
    app: &ApplicationRow,
    form: &std::collections::HashMap<String, String>,
) -> Result<TokenAnswer, OAuthError> {
    let who = Initiator {
        user_id: Some(app.id.to_string()),
        user_principal_name: None,
        app_name: Some(app.display_name.clone()),
        ..who.clone()
    };
    let target = TargetResource::application(app.id, &app.display_name);
    let refused = |error: &'static str, description: &str| {
        let event = Event::failure(Activity::ServicePrincipalSignIn, error).target(target.clone());
        (OAuthError::new(400, error, description), event)
    };
    let failure = if app.client_type() != ClientType::Confidential {
        Some(refused(
            "unauthorized_client",
            "only a confidential client may use client_credentials",
        ))
    } else if form.contains_key("scope") {
        Some(refused(
            "invalid_scope",
            "scope is not supported with client_credentials: the token carries the application's role assignments",
        ))
    } else {
        None
    };
    if let Some((error, event)) = failure {
        audit::record_alone(state, &who, event).await?;
        return Err(error);
    }
    let principal = crate::store::applications::principal(state.store.reader(), app.id)
        .await?
        .ok_or_else(|| invalid_client(false))?;
    let now = state.now();
    let now_secs = now.unix_seconds();
    let ttl = state.keys.ttl_secs;
    let client_id = app.id.to_string();
    let access = Claims {
        iss: state.keys.issuer.clone(),
        aud: state.keys.audience.clone(),
        sub: client_id.clone(),
        exp: now_secs + ttl,
        nbf: now_secs,
        iat: now_secs,
        jti: state.new_id(),
        ver: principal.token_version,
        pcr: false,
        scope: None,
        gid: None,
        client_id: Some(client_id),
        amr: Vec::new(),
        auth_time: None,
        idtyp: Some(crate::auth::tokens::IDTYP_APP.to_owned()),
    };
    let access_token = state
        .keys
        .sign(Algorithm::EdDSA, Some("at+jwt"), &access, now)
        .map_err(ApiError::Internal)?;
    audit::record_alone(
        state,
        &who,
        Event::success(Activity::ServicePrincipalSignIn).target(target),
    )
    .await?;
    Ok(TokenAnswer {
        access_token,
        token_type: "Bearer",
        expires_in: ttl,
        id_token: None,
        refresh_token: None,
        scope: String::new(),
    })
}

/// Signs the access token (EdDSA, audience the application) and, with `id_token`,
/// the ID token (RS256, or EdDSA where the application asked).
async fn issue(
    state: &AppState,
    app: &ApplicationRow,
    grant: &GrantRow,
    nonce: Option<String>,
    refresh_token: Option<String>,
    id_token: bool,
) -> Result<TokenAnswer, OAuthError> {
    let user = crate::store::users::get_user(state.store.reader(), grant.user_id)
        .await?
        .ok_or_else(|| OAuthError::grant("the account no longer exists"))?;
    let now = state.now();
    let now_secs = now.unix_seconds();
    let ttl = state.keys.ttl_secs;
    let iss = state.provider.issuer.clone();
    let client_id = app.id.to_string();
    // OpenStaff's own applications get API tokens; others a token for themselves.
    let (access_iss, access_aud) = if shared::first_party::is_first_party(app.id) {
        (state.keys.issuer.clone(), state.keys.audience.clone())
    } else {
        (iss.clone(), client_id.clone())
    };
    let access = Claims {
        iss: access_iss,
        aud: access_aud,
        sub: user.id.to_string(),
        exp: now_secs + ttl,
        nbf: now_secs,
        iat: now_secs,
        jti: state.new_id(),
        ver: grant.token_version,
        pcr: false,
        scope: Some(grant.scope.clone()),
        gid: Some(grant.id.clone()),
        client_id: Some(client_id.clone()),
        amr: amr_list(&grant.amr),
        auth_time: Some(unix_secs(grant.auth_time)),
        idtyp: None,
    };
    let profile = has_scope(&grant.scope, "profile");
    let id = IdClaims {
        iss,
        sub: user.id.to_string(),
        aud: client_id.clone(),
        exp: now_secs + ttl,
        iat: now_secs,
        auth_time: unix_secs(grant.auth_time),
        nonce,
        amr: amr_list(&grant.amr),
        sid: grant.sid.clone(),
        azp: client_id,
        name: profile.then(|| user.display_name.clone()),
        preferred_username: profile.then(|| user.user_principal_name.clone()),
        email: if has_scope(&grant.scope, "email") {
            user.mail.clone()
        } else {
            None
        },
    };
    let keys = &state.keys;
    Ok(TokenAnswer {
        access_token: keys
            .sign(Algorithm::EdDSA, Some("at+jwt"), &access, now)
            .map_err(ApiError::Internal)?,
        token_type: "Bearer",
        expires_in: ttl,
        id_token: match id_token {
            true => Some(
                keys.sign(id_token_alg(app), Some("JWT"), &id, now)
                    .map_err(ApiError::Internal)?,
            ),
            false => None,
        },
        refresh_token,
        scope: grant.scope.clone(),
    })
}

fn bearer_error(description: &str) -> OAuthError {
    OAuthError {
        status: 401,
        error: "invalid_token",
        description: description.to_owned(),
        challenge: Some("Bearer realm=\"openstaff\", error=\"invalid_token\""),
    }
}

/// Verifies an access token this provider issued to an application, with its grant
/// still live.
async fn verify_access(state: &AppState, token: &str) -> Result<(Claims, GrantRow), OAuthError> {
    let now = state.now();
    // An EdDSA ID token is signed by the same key; only an access token says `at+jwt`.
    let typ = jsonwebtoken::decode_header(token).ok().and_then(|h| h.typ);
    if typ.as_deref() != Some("at+jwt") {
        return Err(bearer_error("the access token is invalid"));
    }
    let validation = KeyRing::access_validation(&state.provider.issuer, None);
    let claims: Claims = state
        .keys
        .decode(token, Algorithm::EdDSA, validation, now)
        .await
        .map_err(|_: TokenError| bearer_error("the access token is invalid"))?;
    KeyRing::check_times(&claims, now).map_err(|_| bearer_error("the access token has expired"))?;
    let gid = claims
        .gid
        .clone()
        .ok_or_else(|| bearer_error("not an application access token"))?;
    let grant = rows::live_grant(state.store.reader(), &gid, state.now())
        .await?
        .filter(|g| {
            g.user_id.to_string() == claims.sub && g.application_id.to_string() == claims.aud
        })
        .ok_or_else(|| bearer_error("the access token has been revoked"))?;
    Ok((claims, grant))
}

/// `GET /oauth2/userinfo`.
pub async fn userinfo(
    state: &AppState,
    token: Option<&str>,
) -> Result<serde_json::Value, OAuthError> {
    let token = token.ok_or_else(|| OAuthError {
        status: 401,
        error: "invalid_request",
        description: "a bearer access token is required".to_owned(),
        challenge: Some("Bearer realm=\"openstaff\""),
    })?;
    let (_, grant) = verify_access(state, token).await?;
    if !has_scope(&grant.scope, "openid") {
        return Err(OAuthError {
            status: 403,
            error: "insufficient_scope",
            description: "the openid scope is required".to_owned(),
            challenge: Some("Bearer realm=\"openstaff\", error=\"insufficient_scope\""),
        });
    }
    let user = crate::store::users::get_user(state.store.reader(), grant.user_id)
        .await?
        .ok_or_else(|| bearer_error("the account no longer exists"))?;
    let mut out = serde_json::json!({ "sub": user.id.to_string() });
    if has_scope(&grant.scope, "profile") {
        out["name"] = user.display_name.clone().into();
        out["preferred_username"] = user.user_principal_name.clone().into();
    }
    if has_scope(&grant.scope, "email") {
        if let Some(mail) = user.mail {
            out["email"] = mail.into();
        }
    }
    Ok(out)
}

/// `POST /oauth2/revoke` (RFC 7009): a refresh token or access token of the calling
/// client ends its whole grant. Unknown tokens are accepted silently.
pub async fn revoke(
    state: &AppState,
    creds: &ClientCredentials,
    form: std::collections::HashMap<String, String>,
) -> Result<(), OAuthError> {
    let app = authenticate_client(state, creds, &form).await?;
    let token = form
        .get("token")
        .ok_or_else(|| OAuthError::request("token is missing"))?;
    let now = state.now();
    let mut grant = rows::refresh_grant(state.store.reader(), &secret_hash(token))
        .await?
        .filter(|(_, a)| *a == app.id)
        .map(|(g, _)| g);
    if grant.is_none() && token.matches('.').count() == 2 {
        let validation =
            KeyRing::access_validation(&state.provider.issuer, Some(&app.id.to_string()));
        let claims: Result<Claims, _> = state
            .keys
            .decode(token, Algorithm::EdDSA, validation, state.now())
            .await;
        grant = claims.ok().and_then(|c| c.gid);
    }
    if let Some(g) = grant {
        let mut tx = state.store.begin().await?;
        rows::revoke_grant(&mut tx, &g, now).await?;
        tx.commit().await.map_err(StoreError::Other)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------
// RP-initiated logout

/// The query (or form) of the end-session endpoint.
#[derive(Debug, Default, Deserialize)]
pub struct LogoutParams {
    pub id_token_hint: Option<String>,
    pub post_logout_redirect_uri: Option<String>,
    pub state: Option<String>,
    pub client_id: Option<String>,
    /// Set by the confirmation page's button.
    pub confirm: Option<String>,
}

#[derive(Debug)]
pub enum LogoutOutcome {
    ErrorPage {
        title: String,
        message: String,
    },
    /// Ask before signing out (no `id_token_hint`: the request may not come from
    /// an application the person uses).
    Confirm,
    /// Signed out; go back to the application, or show "signed out".
    Done {
        redirect: Option<String>,
    },
}

/// The claims of an ID token this provider signed (any age: a hint may be old), by
/// either algorithm ID tokens are signed with; the key must be of the header's.
async fn id_token_hint(state: &AppState, token: &str) -> Option<IdClaims> {
    let header = jsonwebtoken::decode_header(token).ok()?;
    // An access token is signed by the same Ed25519 key; its `typ` tells it apart.
    if header.typ.as_deref() != Some("JWT") {
        return None;
    }
    let alg = Some(header.alg).filter(|a| matches!(a, Algorithm::RS256 | Algorithm::EdDSA))?;
    let mut v = Validation::new(alg);
    v.validate_exp = false;
    v.validate_nbf = false;
    v.validate_aud = false;
    v.set_issuer(&[&state.provider.issuer]);
    v.set_required_spec_claims(&["iss", "sub", "aud"]);
    state.keys.decode(token, alg, v, state.now()).await.ok()
}

/// `GET` or `POST /oauth2/logout`.
pub async fn logout(
    state: &AppState,
    p: LogoutParams,
    session_cookie: Option<&str>,
) -> Result<LogoutOutcome, ApiError> {
    let bad = |title: &str, message: &str| LogoutOutcome::ErrorPage {
        title: title.to_owned(),
        message: message.to_owned(),
    };
    let hint = match p.id_token_hint.as_deref() {
        Some(t) => match id_token_hint(state, t).await {
            Some(c) => Some(c),
            None => {
                return Ok(bad(
                    "This sign-out link is not valid",
                    "The application sent a sign-in token OpenStaff did not issue. You have not been signed out.",
                ))
            }
        },
        None => None,
    };
    let client = hint.as_ref().map(|h| h.aud.clone()).or(p.client_id.clone());
    if let (Some(h), Some(c)) = (&hint, &p.client_id) {
        if &h.aud != c {
            return Ok(bad(
                "This sign-out link is not valid",
                "The application and its token disagree.",
            ));
        }
    }
    let mut redirect = None;
    if let Some(uri) = p.post_logout_redirect_uri.as_deref() {
        let app = match &client {
            Some(c) => application(state, c).await?,
            None => None,
        };
        let registered = app
            .as_ref()
            .is_some_and(|a| a.post_logout_redirect_uris().iter().any(|x| x == uri));
        if !registered {
            return Ok(bad(
                "This sign-out link is not allowed",
                "The application asked to send you to an address that isn't registered for it.",
            ));
        }
        redirect = Some(match p.state.as_deref() {
            Some(s) => with_query(uri, &[("state", s)]),
            None => uri.to_owned(),
        });
    }
    if hint.is_none() && p.confirm.as_deref() != Some("yes") {
        if live_session(state, session_cookie).await?.is_some() {
            return Ok(LogoutOutcome::Confirm);
        }
        return Ok(LogoutOutcome::Done { redirect });
    }
    let now = state.now();
    let mut tx = state.store.begin().await?;
    if let Some(c) = session_cookie.filter(|c| !c.is_empty() && c.len() <= 128) {
        rows::end_session(&mut tx, Some(&secret_hash(c)), None, now).await?;
    }
    if let Some(h) = &hint {
        rows::end_session(&mut tx, None, Some(&h.sid), now).await?;
    }
    tx.commit().await.map_err(StoreError::Other)?;
    Ok(LogoutOutcome::Done { redirect })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_need_openid_and_come_out_in_order() {
        assert_eq!(parse_scope("email openid").as_deref(), Some("openid email"));
        assert_eq!(
            parse_scope("offline_access profile openid  email").as_deref(),
            Some("openid profile email offline_access")
        );
        assert_eq!(parse_scope("profile"), None);
        assert_eq!(parse_scope("openid admin"), None);
    }

    #[test]
    fn sign_in_methods_are_audited_in_words() {
        assert_eq!(methods_in_words(AMR_PASSWORD), "Password");
        assert_eq!(
            methods_in_words(AMR_PASSWORD_AND_OTP),
            "Password, Authenticator app"
        );
        assert_eq!(
            methods_in_words(AMR_TEMPORARY_ACCESS_PASS),
            "Temporary Access Pass"
        );
        assert_eq!(methods_in_words("swk user mfa"), "Passkey (synced)");
        assert_eq!(methods_in_words(AMR_BADGE), "Badge and PIN");
        assert_eq!(
            methods_in_words("pin otp mfa"),
            "Badge and PIN, Authenticator app"
        );
        assert_eq!(
            methods_in_words("pin hwk user mfa"),
            "Badge and PIN, Passkey (device-bound)"
        );
        assert_eq!(
            methods_in_words("pwd hwk user mfa"),
            "Password, Passkey (device-bound)"
        );
    }

    #[test]
    fn pkce_values_follow_rfc_7636() {
        assert!(is_pkce_value(&"a".repeat(43)));
        assert!(!is_pkce_value(&"a".repeat(42)));
        assert!(!is_pkce_value(&"a".repeat(129)));
        assert!(!is_pkce_value(&format!("{}+", "a".repeat(43))));
    }
}

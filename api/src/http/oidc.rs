//! The OpenID Connect provider's HTTP surface: discovery, the authorization
//! endpoint and hosted sign-in page, token, userinfo, revocation and logout. These
//! speak OAuth (form bodies, `{error, error_description}` answers, redirects), not
//! the REST API's problem documents, so they sit outside `/api/v1` and its OpenAPI
//! document; discovery describes them instead.

use crate::audit::{Initiator, Surface};
use crate::auth::context::RequestMeta;
use crate::error::ApiError;
use crate::http::signin_page::{self as pages, PasswordRules, Policy, SignInPage};
use crate::service::oidc::{
    self as service, AuthorizeParams, BadgeForm, BadgePinForm, ChangePasswordForm,
    ClientCredentials, CodeForm, LogoutOutcome, LogoutParams, NewSession, OAuthError, Outcome,
    PageContext, PasskeyForm, SignInForm,
};
use crate::service::sspr::{self, Flow};
use crate::service::text_codes::Language;
use crate::state::AppState;
use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::web::{self, Bytes, Data, Query};
use actix_web::{HttpRequest, HttpResponse};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

pub const SESSION_COOKIE: &str = "openstaff_session";
pub const CSRF_COOKIE: &str = "openstaff_csrf";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/.well-known/openid-configuration",
        web::get().to(discovery),
    )
    .route(service::AUTHORIZE_PATH, web::get().to(authorize))
    .route("/oauth2/sign-in", web::post().to(sign_in))
    .route("/oauth2/change-password", web::post().to(change_password))
    .route("/oauth2/verify-code", web::post().to(verify_code))
    .route("/oauth2/enrol-totp", web::post().to(enrol_totp))
    .route("/oauth2/passkey", web::post().to(passkey))
    .route(
        "/oauth2/reset",
        web::post().to(|s, r, m, b| text_start(s, r, m, b, Flow::Reset)),
    )
    .route("/oauth2/reset/cancel", web::post().to(text_cancel))
    .route(
        "/oauth2/reset/send",
        web::post().to(|s, r, m, b| text_send(s, r, m, b, Flow::Reset)),
    )
    .route(
        "/oauth2/reset/verify",
        web::post().to(|s, r, m, b| text_verify(s, r, m, b, Flow::Reset)),
    )
    .route("/oauth2/reset/password", web::post().to(reset_password))
    .route(
        "/oauth2/sms",
        web::post().to(|s, r, m, b| text_start(s, r, m, b, Flow::SignIn)),
    )
    .route("/oauth2/sms/cancel", web::post().to(text_cancel))
    .route(
        "/oauth2/sms/send",
        web::post().to(|s, r, m, b| text_send(s, r, m, b, Flow::SignIn)),
    )
    .route(
        "/oauth2/sms/verify",
        web::post().to(|s, r, m, b| text_verify(s, r, m, b, Flow::SignIn)),
    )
    .route(
        "/oauth2/sms/second-factor",
        web::post().to(second_factor_send),
    )
    .route("/oauth2/badge", web::post().to(badge))
    .route("/oauth2/badge-pin", web::post().to(badge_pin))
    .route(service::TOKEN_PATH, web::post().to(token))
    .route(service::USERINFO_PATH, web::get().to(userinfo))
    .route(service::USERINFO_PATH, web::post().to(userinfo))
    .route(service::REVOKE_PATH, web::post().to(revoke))
    .route(service::LOGOUT_PATH, web::get().to(logout_get))
    .route(service::LOGOUT_PATH, web::post().to(logout_post));
}

async fn discovery(state: Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"))
        .json(service::discovery(&state))
}

fn cookie(req: &HttpRequest, name: &str) -> Option<String> {
    req.cookie(name).map(|c| c.value().to_owned())
}

fn session_cookie(state: &AppState, value: &str, max_age_secs: i64) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, value.to_owned())
        .path("/oauth2")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.provider.secure_cookies)
        .max_age(CookieDuration::seconds(max_age_secs))
        .finish()
}

fn csrf_cookie(state: &AppState, value: &str) -> Cookie<'static> {
    Cookie::build(CSRF_COOKIE, value.to_owned())
        .path("/oauth2")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.provider.secure_cookies)
        .finish()
}

fn with_session(
    state: &AppState,
    mut resp: HttpResponse,
    session: Option<NewSession>,
) -> HttpResponse {
    if let Some(s) = session {
        let secs = state.provider.session_lifetime.whole_seconds();
        let _ = resp.add_cookie(&session_cookie(state, &s.cookie_value, secs));
    }
    resp
}

fn render(state: &AppState, outcome: Outcome) -> HttpResponse {
    match outcome {
        Outcome::ErrorPage { title, message } => pages::error(&title, &message),
        Outcome::Redirect { location, session } => {
            let resp = HttpResponse::SeeOther()
                .insert_header((header::LOCATION, location))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header((header::REFERRER_POLICY, "no-referrer"))
                .finish();
            with_session(state, resp, session)
        }
        Outcome::SignIn(p)
        | Outcome::ChangePassword(p)
        | Outcome::Code(p)
        | Outcome::EnrolTotp(p)
        | Outcome::ResetName(p)
        | Outcome::ResetCode(p)
        | Outcome::ResetPassword(p)
        | Outcome::SmsName(p)
        | Outcome::SmsCode(p)
        | Outcome::Badge(p)
        | Outcome::BadgePin { page: p, .. }
            if p.csrf.is_empty() =>
        {
            went_wrong()
        }
        Outcome::SignIn(p) => with_csrf(state, &p, pages::sign_in(&view(&p))),
        Outcome::Code(p) => with_csrf(state, &p, pages::code(&view(&p))),
        Outcome::Badge(p) => with_csrf(state, &p, pages::badge(&view(&p))),
        Outcome::BadgePin { page: p, first_use } => {
            with_csrf(state, &p, pages::badge_pin(&view(&p), first_use))
        }
        Outcome::EnrolTotp(p) => match p.enrolment.as_ref() {
            Some(enrolment) => with_csrf(state, &p, pages::enrol_totp(&view(&p), enrolment)),
            None => went_wrong(),
        },
        Outcome::ResetName(p) => with_csrf(state, &p, pages::reset_name(&view(&p))),
        Outcome::ResetCode(p) => with_csrf(state, &p, pages::reset_code(&view(&p))),
        Outcome::SmsName(p) => with_csrf(state, &p, pages::sms_name(&view(&p))),
        Outcome::SmsCode(p) => with_csrf(state, &p, pages::sms_code(&view(&p))),
        Outcome::ChangePassword(p) => password_step(state, &p, pages::change_password),
        Outcome::ResetPassword(p) => password_step(state, &p, pages::reset_password),
        Outcome::NotAllowed { app_name, session } => {
            with_session(state, pages::not_allowed(&app_name), session)
        }
    }
}

fn went_wrong() -> HttpResponse {
    pages::error(
        "Something went wrong",
        "Go back to the application and try again.",
    )
}

/// A page of the hosted sign-in, as `p` describes it.
fn view(p: &PageContext) -> SignInPage<'_> {
    SignInPage {
        request: &p.request,
        csrf: &p.csrf,
        app_name: &p.app_name,
        login_hint: p.login_hint.as_deref(),
        errors: &p.errors,
        notice: p.notice.as_deref(),
        redirect_origin: &p.redirect_origin,
        passkey: p.passkey.as_ref(),
        totp: p.totp,
        sms_sign_in: p.sms_sign_in,
        sms: p.sms.as_ref(),
    }
}

/// `resp` with the browser's CSRF cookie (the secret the page's forms carry).
fn with_csrf(state: &AppState, p: &PageContext, mut resp: HttpResponse) -> HttpResponse {
    let _ = resp.add_cookie(&csrf_cookie(state, &p.csrf));
    resp
}

/// A new password: the forced change, or the self-service reset's.
fn password_step(
    state: &AppState,
    p: &PageContext,
    show: fn(&SignInPage<'_>, &PasswordRules<'_>) -> HttpResponse,
) -> HttpResponse {
    let (upn, name) = p.password_for.clone().unwrap_or_default();
    let cloud = state.policy.cloud();
    let resp = show(
        &view(p),
        &PasswordRules {
            policy: match &p.domain_policy {
                Some(domain) => Policy::Domain(domain.as_ref()),
                None => Policy::Cloud(&cloud),
            },
            user_principal_name: &upn,
            display_name: &name,
        },
    );
    with_csrf(state, p, resp)
}

/// A server-side failure on a page: logged, and shown in words.
fn page_failure(e: ApiError) -> HttpResponse {
    if let ApiError::Internal(err) = &e {
        tracing::error!(
            error = format!("{err:#}"),
            "internal error on the sign-in page"
        );
    }
    let mut resp = pages::error(
        "OpenStaff can't sign you in right now",
        "Something went wrong on our side. Wait a moment, then go back to the application and try again.",
    );
    *resp.status_mut() = if matches!(e, ApiError::Unavailable) {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    resp
}

/// Who is asking, as the hosted page's events record it.
fn from_sign_in_page(meta: RequestMeta) -> Initiator {
    Initiator {
        surface: Surface::SignInPage,
        ..meta.0
    }
}

/// The page a step of the hosted sign-in decided on.
fn answer(state: &AppState, decided: Result<Outcome, ApiError>) -> HttpResponse {
    match decided {
        Ok(outcome) => render(state, outcome),
        Err(e) => page_failure(e),
    }
}

async fn authorize(
    state: Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    q: Result<Query<AuthorizeParams>, actix_web::Error>,
) -> HttpResponse {
    let Ok(q) = q else {
        return pages::error(
            "This sign-in link is not valid",
            "The application sent a request OpenStaff cannot read. Go back to the application and try again.",
        );
    };
    let session = cookie(&req, SESSION_COOKIE);
    let csrf = cookie(&req, CSRF_COOKIE);
    let who = from_sign_in_page(meta);
    let decided = service::authorize(
        &state,
        &who,
        q.into_inner(),
        session.as_deref(),
        csrf.as_deref(),
    )
    .await;
    answer(&state, decided)
}

fn unreadable_form() -> HttpResponse {
    pages::error(
        "This form can't be read",
        "Go back to the application and try again.",
    )
}

/// What both of the hosted page's forms bring: their fields (none sent twice), the
/// browser's cookies, and who is asking.
struct PagePost {
    fields: std::collections::HashMap<String, String>,
    session: Option<String>,
    csrf: Option<String>,
    who: Initiator,
}

impl PagePost {
    /// `None` when the body is not a form (or sends a field twice).
    fn read(req: &HttpRequest, meta: RequestMeta, body: &[u8]) -> Option<Self> {
        Some(PagePost {
            fields: service::parse_form(body).ok()?,
            session: cookie(req, SESSION_COOKIE),
            csrf: cookie(req, CSRF_COOKIE),
            who: from_sign_in_page(meta),
        })
    }

    fn field(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }
}

async fn sign_in(
    state: Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    body: Bytes,
) -> HttpResponse {
    let Some(post) = PagePost::read(&req, meta, &body) else {
        return unreadable_form();
    };
    let form = SignInForm {
        request: post.field("request"),
        csrf: post.field("csrf"),
        username: post.field("username"),
        password: post.field("password"),
    };
    let (session, csrf) = (post.session.as_deref(), post.csrf.as_deref());
    answer(
        &state,
        service::sign_in(&state, post.who.clone(), form, session, csrf).await,
    )
}

async fn change_password(
    state: Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    body: Bytes,
) -> HttpResponse {
    let Some(post) = PagePost::read(&req, meta, &body) else {
        return unreadable_form();
    };
    let form = ChangePasswordForm {
        request: post.field("request"),
        csrf: post.field("csrf"),
        current_password: post.field("current_password"),
        new_password: post.field("new_password"),
        confirm_password: post.field("confirm_password"),
    };
    let (session, csrf) = (post.session.as_deref(), post.csrf.as_deref());
    answer(
        &state,
        service::change_password(&state, post.who.clone(), form, session, csrf).await,
    )
}

/// The code step and the admin policy's enrolment: both post one code.
fn code_step(req: &HttpRequest, meta: RequestMeta, body: &[u8]) -> Option<(CodeForm, PagePost)> {
    let post = PagePost::read(req, meta, body)?;
    let form = CodeForm {
        request: post.field("request"),
        csrf: post.field("csrf"),
        code: post.field("code"),
    };
    Some((form, post))
}

async fn verify_code(
    state: Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    body: Bytes,
) -> HttpResponse {
    let Some((form, post)) = code_step(&req, meta, &body) else {
        return unreadable_form();
    };
    let (session, csrf) = (post.session.as_deref(), post.csrf.as_deref());
    answer(
        &state,
        service::verify_code(&state, post.who.clone(), form, session, csrf).await,
    )
}

async fn enrol_totp(
    state: Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    body: Bytes,
) -> HttpResponse {
    let Some((form, post)) = code_step(&req, meta, &body) else {
        return unreadable_form();
    };
    let (session, csrf) = (post.session.as_deref(), post.csrf.as_deref());
    answer(
        &state,
        service::enrol_totp(&state, post.who.clone(), form, session, csrf).await,
    )
}

async fn passkey(
    state: Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    body: Bytes,
) -> HttpResponse {
    let Some(post) = PagePost::read(&req, meta, &body) else {
        return unreadable_form();
    };
    let form = PasskeyForm {
        request: post.field("request"),
        csrf: post.field("csrf"),
        passkey: post.field("passkey"),
        credential: post.field("credential"),
    };
    let (session, csrf) = (post.session.as_deref(), post.csrf.as_deref());
    answer(
        &state,
        service::passkey(&state, post.who.clone(), form, session, csrf).await,
    )
}

/// The reset's and SMS sign-in's forms that carry only the request.
fn step_form(post: &PagePost) -> sspr::StepForm {
    sspr::StepForm {
        request: post.field("request"),
        csrf: post.field("csrf"),
    }
}

fn language_of(req: &HttpRequest) -> Language {
    Language::from_accept_language(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// `POST /oauth2/reset` and `/oauth2/sms`: the name page of the flow.
async fn text_start(
    state: Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    body: Bytes,
    flow: Flow,
) -> HttpResponse {
    let Some(post) = PagePost::read(&req, meta, &body) else {
        return unreadable_form();
    };
    let form = step_form(&post);
    answer(
        &state,
        sspr::start(&state, form, post.csrf.as_deref(), flow).await,
    )
}

/// `POST /oauth2/reset/cancel` and `/oauth2/sms/cancel`.
async fn text_cancel(
    state: Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    body: Bytes,
) -> HttpResponse {
    let Some(post) = PagePost::read(&req, meta, &body) else {
        return unreadable_form();
    };
    let form = step_form(&post);
    answer(
        &state,
        sspr::cancel(&state, form, post.csrf.as_deref()).await,
    )
}

/// `POST /oauth2/reset/send` and `/oauth2/sms/send`.
async fn text_send(
    state: Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    body: Bytes,
    flow: Flow,
) -> HttpResponse {
    let Some(post) = PagePost::read(&req, meta, &body) else {
        return unreadable_form();
    };
    let form = sspr::NameForm {
        request: post.field("request"),
        csrf: post.field("csrf"),
        username: post.field("username"),
    };
    let language = language_of(&req);
    answer(
        &state,
        sspr::send(
            &state,
            post.who.clone(),
            form,
            language,
            post.csrf.as_deref(),
            flow,
        )
        .await,
    )
}

/// `POST /oauth2/reset/verify` and `/oauth2/sms/verify`.
async fn text_verify(
    state: Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    body: Bytes,
    flow: Flow,
) -> HttpResponse {
    let Some((form, post)) = code_step(&req, meta, &body) else {
        return unreadable_form();
    };
    let cookies = (post.session.as_deref(), post.csrf.as_deref());
    answer(
        &state,
        sspr::verify(&state, post.who.clone(), form, cookies, flow).await,
    )
}

/// `POST /oauth2/sms/second-factor`: "Text me a code" on the second step.
async fn second_factor_send(
    state: Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    body: Bytes,
) -> HttpResponse {
    let Some((form, post)) = code_step(&req, meta, &body) else {
        return unreadable_form();
    };
    let language = language_of(&req);
    answer(
        &state,
        service::send_second_factor_code(
            &state,
            post.who.clone(),
            form,
            language,
            post.csrf.as_deref(),
        )
        .await,
    )
}

async fn reset_password(
    state: Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    body: Bytes,
) -> HttpResponse {
    let Some(post) = PagePost::read(&req, meta, &body) else {
        return unreadable_form();
    };
    let form = sspr::PasswordForm {
        request: post.field("request"),
        csrf: post.field("csrf"),
        new_password: post.field("new_password"),
        confirm_password: post.field("confirm_password"),
    };
    answer(
        &state,
        sspr::choose(&state, post.who.clone(), form, post.csrf.as_deref()).await,
    )
}

async fn badge(
    state: Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    body: Bytes,
) -> HttpResponse {
    let Some(post) = PagePost::read(&req, meta, &body) else {
        return unreadable_form();
    };
    let form = BadgeForm {
        request: post.field("request"),
        csrf: post.field("csrf"),
        credential: post.fields.get("credential").cloned(),
        back: post.fields.contains_key("back"),
    };
    answer(
        &state,
        service::badge(&state, post.who.clone(), form, post.csrf.as_deref()).await,
    )
}

async fn badge_pin(
    state: Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    body: Bytes,
) -> HttpResponse {
    let Some(post) = PagePost::read(&req, meta, &body) else {
        return unreadable_form();
    };
    let form = BadgePinForm {
        request: post.field("request"),
        csrf: post.field("csrf"),
        pin: post.field("pin"),
        confirm_pin: post.field("confirm_pin"),
    };
    let (session, csrf) = (post.session.as_deref(), post.csrf.as_deref());
    answer(
        &state,
        service::badge_pin(&state, post.who.clone(), form, session, csrf).await,
    )
}

fn oauth_error(e: OAuthError) -> HttpResponse {
    let mut resp =
        HttpResponse::build(StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST));
    resp.insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"));
    if let Some(c) = e.challenge {
        resp.insert_header((header::WWW_AUTHENTICATE, c));
    }
    resp.json(serde_json::json!({ "error": e.error, "error_description": e.description }))
}

/// `Authorization: Basic` client credentials (RFC 6749 section 2.3.1: each part is
/// form-urlencoded before base64).
fn client_credentials(req: &HttpRequest) -> ClientCredentials {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return ClientCredentials::default();
    };
    let parsed = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .and_then(|(_, b64)| STANDARD.decode(b64.trim()).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|text| {
            let (id, secret) = text.split_once(':')?;
            let decode = |s: &str| {
                url::form_urlencoded::parse(format!("v={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            Some((decode(id), decode(secret)))
        });
    match parsed {
        Some(creds) => ClientCredentials {
            basic: Some(creds),
            bad_header: false,
        },
        None => ClientCredentials {
            basic: None,
            bad_header: true,
        },
    }
}

fn form_content(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

async fn token(state: Data<AppState>, req: HttpRequest, body: Bytes) -> HttpResponse {
    if !form_content(&req) {
        return oauth_error(OAuthError {
            status: 400,
            error: "invalid_request",
            description: "send the request as application/x-www-form-urlencoded".to_owned(),
            challenge: None,
        });
    }
    let form = match service::parse_form(&body) {
        Ok(f) => f,
        Err(e) => return oauth_error(e),
    };
    let who = match RequestMeta::from_request(&req) {
        Ok(meta) => meta.0,
        Err(e) => return oauth_error(e.into()),
    };
    match service::token(&state, &who, &client_credentials(&req), form).await {
        Ok(answer) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .insert_header((header::PRAGMA, "no-cache"))
            .json(answer),
        Err(e) => oauth_error(e),
    }
}

async fn userinfo(state: Data<AppState>, req: HttpRequest) -> HttpResponse {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_owned());
    match service::userinfo(&state, token.as_deref()).await {
        Ok(claims) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(claims),
        Err(e) => oauth_error(e),
    }
}

async fn revoke(state: Data<AppState>, req: HttpRequest, body: Bytes) -> HttpResponse {
    let form = match service::parse_form(&body) {
        Ok(f) => f,
        Err(e) => return oauth_error(e),
    };
    match service::revoke(&state, &client_credentials(&req), form).await {
        Ok(()) => HttpResponse::Ok()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish(),
        Err(e) => oauth_error(e),
    }
}

async fn logout(state: &AppState, req: &HttpRequest, p: LogoutParams) -> HttpResponse {
    let session = cookie(req, SESSION_COOKIE);
    let (post, st, client) = (
        p.post_logout_redirect_uri.clone(),
        p.state.clone(),
        p.client_id.clone(),
    );
    match service::logout(state, p, session.as_deref()).await {
        Ok(LogoutOutcome::ErrorPage { title, message }) => pages::error(&title, &message),
        Ok(LogoutOutcome::Confirm) => {
            pages::confirm_logout(post.as_deref(), st.as_deref(), client.as_deref())
        }
        Ok(LogoutOutcome::Done { redirect }) => {
            let mut resp = match redirect {
                Some(to) => HttpResponse::SeeOther()
                    .insert_header((header::LOCATION, to))
                    .insert_header((header::CACHE_CONTROL, "no-store"))
                    .finish(),
                None => pages::signed_out(),
            };
            let _ = resp.add_cookie(&session_cookie(state, "", 0));
            resp
        }
        Err(e) => page_failure(e),
    }
}

async fn logout_get(
    state: Data<AppState>,
    req: HttpRequest,
    q: Result<Query<LogoutParams>, actix_web::Error>,
) -> HttpResponse {
    match q {
        Ok(q) => logout(&state, &req, q.into_inner()).await,
        Err(_) => pages::error(
            "This sign-out link is not valid",
            "OpenStaff cannot read it.",
        ),
    }
}

async fn logout_post(state: Data<AppState>, req: HttpRequest, body: Bytes) -> HttpResponse {
    let Ok(form) = service::parse_form(&body) else {
        return pages::error("This sign-out form can't be read", "Try again.");
    };
    let p = LogoutParams {
        id_token_hint: form.get("id_token_hint").cloned(),
        post_logout_redirect_uri: form.get("post_logout_redirect_uri").cloned(),
        state: form.get("state").cloned(),
        client_id: form.get("client_id").cloned(),
        confirm: form.get("confirm").cloned(),
    };
    logout(&state, &req, p).await
}

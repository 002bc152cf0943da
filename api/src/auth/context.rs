//! Request extractors: who is calling (`AuthContext`) and from where (`RequestMeta`).
//!
//! The extractor pins the algorithm, checks every claim, the key id, the user's token
//! version (so resets and disabling end earlier tokens) and the forced password
//! change, and answers 401/403 itself, so handlers only ever see a verified caller.

use crate::audit::{Initiator, Surface};
use crate::auth::tokens::{Claims, IDTYP_APP};
use crate::error::ApiError;
use crate::error::ApiResult;
use crate::state::{AppState, IdGenerator};
use crate::store::users::{Caller, Confirm};
use crate::time::Micros;
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use shared::dto::MyStaffStatus;
use shared::rules::{self, Actor, Grant, MyStaffBlock};
use shared::{ApplicationId, ErrorCode, Role, Scope, UserId};
use std::collections::HashMap;
use std::future::{ready, Ready};
use std::ops::AsyncFn;
use std::sync::{Arc, Mutex};

/// The correlation id of a request, set by the request-id middleware.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// Where a request came from, for audit.
#[derive(Debug, Clone)]
pub struct RequestMeta(pub Initiator);

fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("application state missing")))
}

impl RequestMeta {
    pub fn from_request(req: &HttpRequest) -> Result<Self, ApiError> {
        // The request-id middleware sets it; a new one from the app's generator if not.
        let given = req.extensions().get::<RequestId>().map(|r| r.0.clone());
        let correlation_id = match given {
            Some(id) => id,
            None => app_state(req)?.new_id(),
        };
        let surface = match req.headers().get("x-openstaff-surface") {
            Some(v) if v.as_bytes().eq_ignore_ascii_case(b"my-staff") => Surface::MyStaff,
            _ => Surface::Api,
        };
        Ok(RequestMeta(Initiator {
            user_id: None,
            user_principal_name: None,
            ip: req.peer_addr().map(|a| a.ip().to_string()),
            user_agent: req
                .headers()
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.chars().take(256).collect()),
            correlation_id,
            surface,
            app_name: None,
        }))
    }
}

impl FromRequest for RequestMeta {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(RequestMeta::from_request(req))
    }
}

/// Who is calling, as every service needs them: read once per request, with the
/// caller's grants and whether My Staff is open to them.
#[derive(Debug, Clone)]
pub struct Principal {
    pub id: UserId,
    pub user_principal_name: String,
    pub display_name: String,
    pub grants: Vec<Grant>,
    pub my_staff: MyStaffStatus,
}

impl Principal {
    /// The caller as the rules in `shared` see an actor.
    pub fn actor(&self) -> Actor<'_> {
        Actor {
            user_id: self.id.uuid(),
            grants: &self.grants,
        }
    }
}

/// A verified caller and where the request came from.
#[derive(Debug, Clone)]
pub struct AuthContext {
    pub principal: Principal,
    pub initiator: Initiator,
    /// When the caller last proved who they are.
    pub signed_in: SignedIn,
    /// Set when the caller was remembered from an earlier request ([`ReadContext`]):
    /// the read answering this one must confirm them in its own query.
    pub(crate) confirm: Option<Arc<Confirm>>,
}

/// When a caller last proved who they are, for the step-up of sensitive actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedIn {
    /// The token's `auth_time`.
    At(Micros),
    /// A token without `auth_time`: no sensitive action accepts it.
    Unknown,
    /// The operator at the command line, who needs no step-up.
    Console,
    /// An application acting as itself (client-credentials grant). Step-up is a
    /// person proving again that they are at the keyboard; an application has no one
    /// to prompt, and proves itself afresh with its secret for every token (which
    /// lives `--token-ttl`), so it needs none. Its power is bounded by its own role
    /// assignments, given by a global administrator.
    Application,
}

impl AuthContext {
    /// The command line as a caller (`seed demo`, `create-admin`), so its changes go
    /// through the same services, rules and audit as a request's. It has no account:
    /// its id is fresh and names no user (so "not yourself" rules never match it), and
    /// its events carry no user id, only `openstaff-cli` and surface `cli`
    /// ([`Initiator::cli`]). It holds the powers of a tenant-wide Global
    /// Administrator, and no more: a restricted location keeps it out too unless it is
    /// given a role there ([`AuthContext::add_grant`]). One per command, so every
    /// change the command makes shares a correlation id.
    pub fn cli(ids: &dyn IdGenerator) -> Self {
        AuthContext {
            principal: Principal {
                id: UserId::from(ids.new_id()),
                user_principal_name: "openstaff-cli".to_owned(),
                display_name: "OpenStaff command line".to_owned(),
                grants: vec![Grant {
                    role: Role::GlobalAdministrator,
                    scope: Scope::Directory,
                }],
                // The command line has no manager surface to open.
                my_staff: MyStaffStatus {
                    enabled: false,
                    reason: Some(MyStaffBlock::MyStaffNotEnabled),
                },
            },
            initiator: Initiator::cli(ids),
            signed_in: SignedIn::Console,
            confirm: None,
        }
    }

    /// Gives this caller one more grant, for this process only (nothing is stored).
    pub fn add_grant(&mut self, grant: Grant) {
        if !self.principal.grants.contains(&grant) {
            self.principal.grants.push(grant);
        }
    }

    /// Whether the caller is an application acting as itself (client credentials).
    pub fn is_application(&self) -> bool {
        self.signed_in == SignedIn::Application
    }

    pub fn user_id(&self) -> UserId {
        self.principal.id
    }

    pub fn grants(&self) -> &[Grant] {
        &self.principal.grants
    }

    /// What a read must confirm the caller against, when they were remembered.
    pub fn confirm(&self) -> Option<&Confirm> {
        self.confirm.as_deref()
    }

    /// The step-up of issue 13: a sensitive action (a manager's password reset, phone
    /// changes, Temporary Access Passes, removing sign-in methods) needs a sign-in
    /// within `--reauthentication-minutes`. Otherwise 401 `reauthentication_required`,
    /// which the SPA answers by signing in again in place (`prompt=login`) and
    /// repeating the request. Refreshing a token keeps its `auth_time`, so only a new
    /// sign-in satisfies it.
    pub fn require_recent_sign_in(&self, state: &AppState) -> Result<(), ApiError> {
        let window = state.policy.reauthentication_window;
        match self.signed_in {
            SignedIn::Console | SignedIn::Application => Ok(()),
            SignedIn::At(at) if state.now() - at <= window => Ok(()),
            _ => Err(ApiError::unauthorized(
                ErrorCode::ReauthenticationRequired,
                format!(
                    "For your security, sign in again to do this: your last sign-in was more than {} minutes ago.",
                    window.whole_seconds() / 60
                ),
            )),
        }
    }
}

/// A caller whose token may be restricted to changing their password.
#[derive(Debug, Clone)]
pub struct PasswordChangeContext(pub AuthContext);

fn bearer(req: &HttpRequest) -> Result<&str, ApiError> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::unauthorized(
            ErrorCode::MissingToken,
            "Sign in first: this endpoint needs a bearer token.",
        )
    })?;
    let value = value.to_str().map_err(|_| {
        ApiError::unauthorized(
            ErrorCode::InvalidToken,
            "The Authorization header is not valid.",
        )
    })?;
    let (scheme, token) = value.split_once(' ').ok_or_else(|| {
        ApiError::unauthorized(
            ErrorCode::InvalidToken,
            "Use `Authorization: Bearer <token>`.",
        )
    })?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::unauthorized(
            ErrorCode::InvalidToken,
            "Use `Authorization: Bearer <token>`.",
        ));
    }
    Ok(token.trim())
}

async fn authenticate(
    req: HttpRequest,
    allow_password_change: bool,
) -> Result<AuthContext, ApiError> {
    let state = app_state(&req)?;
    let claims = verified_claims(&req, &state).await?;
    authenticated(&req, &state, &claims, allow_password_change).await
}

/// The context of a verified token, its caller read now.
async fn authenticated(
    req: &HttpRequest,
    state: &AppState,
    claims: &Claims,
    allow_password_change: bool,
) -> Result<AuthContext, ApiError> {
    if claims.idtyp.as_deref() == Some(IDTYP_APP) {
        return authenticate_application(req, state, claims).await;
    }
    let caller = fresh_caller(state, user_of(claims)?).await?;
    user_context(req, claims, &caller, allow_password_change, None)
}

async fn verified_claims(req: &HttpRequest, state: &AppState) -> Result<Claims, ApiError> {
    let token = bearer(req)?;
    state.keys.verify(token, state.now()).await.map_err(|_| {
        ApiError::unauthorized(
            ErrorCode::InvalidToken,
            "The token is invalid or has expired. Sign in again.",
        )
    })
}

/// The user a token names by id; one that does not parse was not made here.
fn user_of(claims: &Claims) -> Result<UserId, ApiError> {
    claims.sub.parse().map_err(|_| {
        ApiError::unauthorized(
            ErrorCode::InvalidToken,
            "The token is invalid. Sign in again.",
        )
    })
}

/// The caller as the database has them now, remembered for the reads that confirm.
async fn fresh_caller(state: &AppState, id: UserId) -> Result<Arc<Caller>, ApiError> {
    let caller = crate::store::users::caller(state.store.reader(), state.store.backend, id)
        .await?
        .ok_or_else(|| {
            ApiError::unauthorized(
                ErrorCode::InvalidToken,
                "The token's account no longer exists.",
            )
        })?;
    let caller = Arc::new(caller);
    state.callers.remember(caller.clone());
    Ok(caller)
}

/// The context of a person's token: their account must be enabled, at the token's
/// version, and not held to a password change unless `allow_password_change`.
fn user_context(
    req: &HttpRequest,
    claims: &Claims,
    caller: &Caller,
    allow_password_change: bool,
    confirm: Option<Arc<Confirm>>,
) -> Result<AuthContext, ApiError> {
    let user = &caller.user;
    if !user.account_enabled {
        return Err(ApiError::unauthorized(
            ErrorCode::AccountDisabled,
            "This account is disabled.",
        ));
    }
    if user.token_version != claims.ver {
        return Err(ApiError::unauthorized(
            ErrorCode::TokenRevoked,
            "This session has ended (the password was reset or the account changed). Sign in again.",
        ));
    }
    if (claims.pcr || user.force_password_change) && !allow_password_change {
        return Err(ApiError::forbidden(
            ErrorCode::PasswordChangeRequired,
            "You must change your password before doing anything else.",
        ));
    }
    let mut initiator = RequestMeta::from_request(req)?.0;
    initiator.user_id = Some(user.id.to_string());
    initiator.user_principal_name = Some(user.user_principal_name.clone());
    let settings = &caller.my_staff;
    let my_staff = match rules::my_staff_gate(
        user.id.uuid(),
        !caller.grants.is_empty(),
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
    };
    Ok(AuthContext {
        principal: Principal {
            id: user.id,
            user_principal_name: user.user_principal_name.clone(),
            display_name: user.display_name.clone(),
            grants: caller.grants.clone(),
            my_staff,
        },
        initiator,
        signed_in: claims
            .auth_time
            .and_then(|s| i64::try_from(s).ok())
            .and_then(|s| s.checked_mul(1_000_000))
            .map_or(SignedIn::Unknown, |us| {
                SignedIn::At(Micros::from_micros(us))
            }),
        confirm,
    })
}

/// The caller of a read that confirms them in its own query: the members of a
/// location, the user list and search, a profile. Every other request reads its
/// caller first, in a query of its own; these reads start from the caller as an
/// earlier request found them (their account, role assignments and the My Staff
/// setting, [`Callers`]), and the query that answers reads the caller again in the
/// same statement, so in the same snapshot as the answer ([`Confirm`]). The answer
/// stands only when that snapshot holds the very caller it was decided for;
/// otherwise the caller is read afresh and the read runs again. A reset, a removed
/// role or a disabled account, made on any replica or by the command line, is in
/// force at the next request as before, and a read costs one query instead of two.
pub struct ReadContext {
    ctx: AuthContext,
    req: HttpRequest,
    claims: Claims,
}

impl ReadContext {
    /// Runs `read` for the caller, again for the caller as they are now when the one
    /// remembered was not confirmed by it (changed, or not read by its queries). So
    /// `read` must only read: its first run may be thrown away.
    pub async fn run<T>(self, read: impl AsyncFn(&AuthContext) -> ApiResult<T>) -> ApiResult<T> {
        let ReadContext { ctx, req, claims } = self;
        let Some(confirm) = ctx.confirm.clone() else {
            return read(&ctx).await;
        };
        let answer = read(&ctx).await;
        if confirm.held() {
            return answer;
        }
        let state = app_state(&req)?;
        state.callers.forget(confirm.user);
        read(&authenticated(&req, &state, &claims, false).await?).await
    }
}

async fn read_context(req: HttpRequest) -> Result<ReadContext, ApiError> {
    let state = app_state(&req)?;
    let claims = verified_claims(&req, &state).await?;
    if claims.idtyp.as_deref() != Some(IDTYP_APP) {
        let remembered = user_of(&claims)
            .ok()
            .and_then(|id| state.callers.recall(id));
        if let Some(caller) = remembered {
            let confirm = Arc::new(Confirm::new(&caller));
            // A remembered caller who would be refused is read afresh: a refusal is
            // only ever decided on the caller as they are now.
            if let Ok(ctx) = user_context(&req, &claims, &caller, false, Some(confirm)) {
                return Ok(ReadContext { ctx, req, claims });
            }
        }
    }
    let ctx = authenticated(&req, &state, &claims, false).await?;
    Ok(ReadContext { ctx, req, claims })
}

/// Whether the request is about the person signed in (`/api/v1/me/...`), which an
/// application acting as itself is not.
fn is_about_me(req: &HttpRequest) -> bool {
    let path = req.path();
    path == "/api/v1/me" || path.starts_with("/api/v1/me/")
}

/// An application's own token (client-credentials grant): the application must still
/// exist as a confidential client at the token's version (a new secret moves it on),
/// and its grants are its role assignments, read now, so removing one takes effect at
/// the next request. The rules of `shared` then decide as for a person.
async fn authenticate_application(
    req: &HttpRequest,
    state: &AppState,
    claims: &Claims,
) -> Result<AuthContext, ApiError> {
    let invalid = || {
        ApiError::unauthorized(
            ErrorCode::InvalidToken,
            "The token is invalid. Ask for a new one.",
        )
    };
    let id: ApplicationId = claims.sub.parse().map_err(|_| invalid())?;
    let app = crate::store::applications::principal(state.store.reader(), id)
        .await?
        .ok_or_else(|| {
            ApiError::unauthorized(
                ErrorCode::InvalidToken,
                "The token's application no longer exists.",
            )
        })?;
    if app.token_version != claims.ver || app.client_type != "confidential" {
        return Err(ApiError::unauthorized(
            ErrorCode::TokenRevoked,
            "This token has been revoked (the application's secret changed). Ask for a new one.",
        ));
    }
    if is_about_me(req) {
        return Err(ApiError::forbidden(
            ErrorCode::PersonRequired,
            "This is about the person signed in, and an application's token names no person.",
        ));
    }
    let grants: Vec<Grant> =
        crate::store::role_assignments::assignments_of(state.store.reader(), app.id)
            .await?
            .iter()
            .filter_map(|a| a.grant())
            .collect();
    let mut initiator = RequestMeta::from_request(req)?.0;
    initiator.user_id = Some(app.id.to_string());
    initiator.app_name = Some(app.display_name.clone());
    // The My Staff setting picks people for the manager surface; an application is not
    // one of them. It reaches what its roles reach, like a person with My Staff on.
    let my_staff = if grants.is_empty() {
        MyStaffStatus {
            enabled: false,
            reason: Some(MyStaffBlock::NoAdminRole),
        }
    } else {
        MyStaffStatus {
            enabled: true,
            reason: None,
        }
    };
    Ok(AuthContext {
        principal: Principal {
            // The application's id, which names no user (as the command line's).
            id: UserId::from(app.id.uuid()),
            user_principal_name: app.display_name.clone(),
            display_name: app.display_name,
            grants,
            my_staff,
        },
        initiator,
        signed_in: SignedIn::Application,
        confirm: None,
    })
}

impl FromRequest for AuthContext {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(authenticate(req, false))
    }
}

impl FromRequest for ReadContext {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(read_context(req.clone()))
    }
}

impl FromRequest for PasswordChangeContext {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(req, true).await.map(PasswordChangeContext) })
    }
}

/// Callers as earlier requests found them, by user id, for [`ReadContext`]: a guess
/// that saves a query, never trusted without its confirmation, so it needs no
/// invalidation. Bounded: when full it starts again.
#[derive(Default)]
pub struct Callers(Mutex<HashMap<UserId, Arc<Caller>>>);

const CALLERS_CAPACITY: usize = 4_096;

impl Callers {
    fn recall(&self, id: UserId) -> Option<Arc<Caller>> {
        self.0.lock().ok()?.get(&id).cloned()
    }

    fn remember(&self, caller: Arc<Caller>) {
        if let Ok(mut map) = self.0.lock() {
            if map.len() >= CALLERS_CAPACITY && !map.contains_key(&caller.user.id) {
                map.clear();
            }
            map.insert(caller.user.id, caller);
        }
    }

    fn forget(&self, id: UserId) {
        if let Ok(mut map) = self.0.lock() {
            map.remove(&id);
        }
    }
}

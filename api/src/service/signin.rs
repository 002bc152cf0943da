//! Sign-in: password check against Argon2id (or a dummy hash for unknown names, so
//! timing does not reveal who exists) and token issue. Every attempt is audited.

use super::AppState;
use crate::audit::{self, Event, Initiator, TargetResource};
use crate::auth::password::Secret;
use crate::error::{ApiError, ApiResult};
use crate::store::directory as db;
use shared::dto::{TokenRequest, TokenResponse};

const ACTIVITY: &str = "Sign-in";
const CATEGORY: &str = "SignIn";

fn invalid() -> ApiError {
    ApiError::unauthorized(
        "invalid_credentials",
        "That username and password don't match.",
    )
}

pub async fn sign_in(
    state: &AppState,
    mut who: Initiator,
    req: TokenRequest,
) -> ApiResult<TokenResponse> {
    let username: String = req.username.trim().chars().take(256).collect();
    if username.is_empty() || req.password.is_empty() {
        return Err(ApiError::field(
            if username.is_empty() {
                "username"
            } else {
                "password"
            },
            "required",
            "Enter both a username and a password.",
        ));
    }
    let password = Secret::new(req.password);
    let creds = db::credentials_by_upn(state.store.reader(), &username).await?;
    let ok = state
        .hasher
        .verify(&password, creds.as_ref().map(|c| c.password_hash.clone()))
        .await?;
    who.user_principal_name = Some(username.clone());
    let now = state.now_us();
    let Some(creds) = creds.filter(|_| ok) else {
        let event = Event::failure(ACTIVITY, CATEGORY, "invalid_credentials".to_owned());
        audit::record_alone(&state.store, &who, now, event).await?;
        return Err(invalid());
    };
    who.user_id = Some(creds.id.clone());
    who.user_principal_name = Some(creds.user_principal_name.clone());
    let target = TargetResource::user(&creds.id, &creds.user_principal_name);
    if !creds.account_enabled {
        let event =
            Event::failure(ACTIVITY, CATEGORY, "account_disabled".to_owned()).target(target);
        audit::record_alone(&state.store, &who, now, event).await?;
        return Err(ApiError::unauthorized(
            "account_disabled",
            "This account is disabled. Ask your manager or administrator.",
        ));
    }
    let token = state.keys.issue(
        &creds.id,
        creds.token_version,
        creds.force_password_change,
        state.now_secs(),
    )?;
    audit::record_alone(
        &state.store,
        &who,
        now,
        Event::success(ACTIVITY, CATEGORY).target(target),
    )
    .await?;
    Ok(TokenResponse {
        access_token: token,
        token_type: "Bearer".to_owned(),
        expires_in: state.keys.ttl_secs,
        password_change_required: creds.force_password_change,
    })
}

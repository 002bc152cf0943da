//! The applications OpenStaff registers for itself: the web app (My Staff and "My
//! account") and the API explorer. Both are public clients (authorization code with
//! PKCE, no secret) with fixed client ids, so the browser code knows them without
//! asking. The server keeps their rows current at every start, with redirect URIs
//! under its public URL; administrators neither see nor edit them, and the tokens
//! issued to them are OpenStaff API tokens (audience `openstaff-api`), where every
//! other application gets tokens only it and userinfo accept.

use crate::ApplicationId;
use uuid::Uuid;

/// The OpenStaff web app (My Staff and "My account").
pub const WEB_APP: ApplicationId =
    ApplicationId::from_uuid(Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0001));
/// Swagger UI at `/api/docs/`.
pub const API_EXPLORER: ApplicationId =
    ApplicationId::from_uuid(Uuid::from_u128(0x0000_0000_0000_4000_8000_0000_0000_0002));

/// Where the provider sends the web app's code (under the public URL).
pub const WEB_APP_CALLBACK_PATH: &str = "/signin/callback";
/// Where the provider sends the web app after sign-out.
pub const WEB_APP_SIGNED_OUT_PATH: &str = "/signed-out";
/// Swagger UI's OAuth 2.0 redirect page.
pub const API_EXPLORER_CALLBACK_PATH: &str = "/api/docs/oauth2-redirect.html";

/// Scopes the web app asks for: who the person is, and a refresh token so a shift
/// is one sign-in.
pub const WEB_APP_SCOPE: &str = "openid profile offline_access";

/// Whether `id` is one of OpenStaff's own applications.
pub fn is_first_party(id: ApplicationId) -> bool {
    id == WEB_APP || id == API_EXPLORER
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_ids_are_fixed_and_distinct() {
        assert_eq!(WEB_APP.to_string(), "00000000-0000-4000-8000-000000000001");
        assert_eq!(
            API_EXPLORER.to_string(),
            "00000000-0000-4000-8000-000000000002"
        );
        assert!(is_first_party(WEB_APP) && is_first_party(API_EXPLORER));
        assert!(!is_first_party(ApplicationId::from_uuid(Uuid::nil())));
    }
}

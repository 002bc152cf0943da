//! The HTTP surface: routes (one file per resource), extractor error handling, the
//! request-id middleware, the shared problem responses of the OpenAPI document, and the
//! embedded single-page app; and the OpenID Connect provider (`oidc`, `signin_page`).

pub mod extract;
pub mod middleware;
pub mod oidc;
pub mod responses;
pub mod routes;
pub mod signin_page;
pub mod spa;

//! HTTP routes. Each module's `configure` registers its handlers with
//! utoipa-actix-web, which also collects them into the OpenAPI document, so the spec
//! can never list a route that is not served or miss one that is.

pub mod applications;
pub mod audit;
pub mod auth;
pub mod badges;
pub mod health;
pub mod me;
pub mod passwords;
pub mod phones;
pub mod recovery;
pub mod role_assignments;
pub mod settings;
pub mod units;
pub mod users;

use crate::service::paging::PageRequest;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

/// Everything under `/api/v1`.
pub fn configure_v1(cfg: &mut ServiceConfig) {
    auth::configure(cfg);
    passwords::configure(cfg);
    phones::configure(cfg);
    recovery::configure(cfg);
    badges::configure(cfg);
    audit::configure(cfg);
    me::configure(cfg);
    users::configure(cfg);
    units::configure(cfg);
    role_assignments::configure(cfg);
    settings::configure(cfg);
    applications::configure(cfg);
}

/// `?search=&limit=&cursor=` of every list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Space-separated word prefixes; every term must match ("jo sm" finds John Smith).
    #[param(max_length = 200)]
    pub search: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// Opaque: the `next_cursor` of the previous page, passed back unchanged. A cursor
    /// this server did not issue is refused with 400 `invalid_cursor`.
    #[param(pattern = "^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
}

impl From<ListQuery> for PageRequest {
    fn from(q: ListQuery) -> Self {
        PageRequest {
            search: q.search,
            limit: q.limit,
            cursor: q.cursor,
        }
    }
}

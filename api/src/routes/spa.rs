//! The SPA, embedded in the binary, and the fallback for every unmatched path.
//!
//! Hashed assets are cached for a year; `index.html` is never cached, so a deploy
//! takes effect on the next load. Paths without a file extension fall back to
//! `index.html` so deep links work. Unknown `/api` paths answer problem+json: 405
//! when the path exists with other methods (from the OpenAPI document), else 404.

use crate::error::ApiError;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use rust_embed::RustEmbed;
use std::sync::Arc;

#[derive(RustEmbed)]
#[folder = "../web/dist"]
#[allow_missing = true]
struct Assets;

/// Path templates of the API and the methods each accepts.
#[derive(Debug, Default)]
pub struct RouteTable(Vec<(Vec<String>, Vec<String>)>);

impl RouteTable {
    pub fn from_openapi(api: &utoipa::openapi::OpenApi) -> Self {
        let mut out = Vec::new();
        for (path, item) in &api.paths.paths {
            let segments = path.split('/').map(str::to_owned).collect();
            let value = serde_json::to_value(item).unwrap_or_default();
            let methods = value
                .as_object()
                .map(|o| {
                    o.keys()
                        .filter(|k| {
                            ["get", "put", "post", "delete", "patch", "head", "options"]
                                .contains(&k.as_str())
                        })
                        .map(|k| k.to_uppercase())
                        .collect()
                })
                .unwrap_or_default();
            out.push((segments, methods));
        }
        RouteTable(out)
    }

    /// The methods allowed on `path`, if it is an API path at all.
    fn allowed(&self, path: &str) -> Option<Vec<String>> {
        let parts: Vec<&str> = path.split('/').collect();
        self.0.iter().find_map(|(segments, methods)| {
            let matches = segments.len() == parts.len()
                && segments
                    .iter()
                    .zip(&parts)
                    .all(|(s, p)| (s.starts_with('{') && !p.is_empty()) || s == p);
            matches.then(|| methods.clone())
        })
    }
}

fn problem(err: ApiError) -> HttpResponse {
    actix_web::ResponseError::error_response(&err)
}

fn serve(path: &str) -> Option<HttpResponse> {
    let file = Assets::get(path)?;
    let mime = file.metadata.mimetype().to_owned();
    let cache = if path == "index.html" {
        "no-cache"
    } else {
        "public, max-age=31536000, immutable"
    };
    Some(
        HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, mime))
            .insert_header((header::CACHE_CONTROL, cache))
            .body(file.data.into_owned()),
    )
}

/// The default service.
pub async fn fallback(req: HttpRequest, routes: web::Data<Arc<RouteTable>>) -> HttpResponse {
    let path = req.path();
    if let Some(methods) = routes.allowed(path) {
        return HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, methods.join(", ")))
            .insert_header((header::CONTENT_TYPE, "application/problem+json"))
            .json(ApiError::MethodNotAllowed.problem());
    }
    if path.starts_with("/api/") || path == "/api" || path.starts_with("/.well-known/") {
        return problem(ApiError::NotFound(
            "There is nothing at this address.".to_owned(),
        ));
    }
    if req.method() != actix_web::http::Method::GET && req.method() != actix_web::http::Method::HEAD
    {
        return HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "GET, HEAD"))
            .insert_header((header::CONTENT_TYPE, "application/problem+json"))
            .json(ApiError::MethodNotAllowed.problem());
    }
    let rel = path.trim_start_matches('/');
    if !rel.is_empty() {
        if let Some(resp) = serve(rel) {
            return resp;
        }
        if rel
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'))
        {
            return problem(ApiError::NotFound(
                "There is nothing at this address.".to_owned(),
            ));
        }
    }
    serve("index.html").unwrap_or_else(|| {
        HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .body(
                "<!doctype html><title>OpenStaff</title><p>The web app was not built into \
                 this binary. Run <code>make web</code> and rebuild, or use the API at \
                 <a href=\"/api/docs/\">/api/docs/</a>.</p>",
            )
    })
}

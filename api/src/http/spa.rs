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
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(RustEmbed)]
#[folder = "../web/dist"]
#[allow_missing = true]
struct Assets;

/// Path templates of the API and the methods each accepts.
#[derive(Debug, Default)]
pub struct RouteTable(Vec<(Vec<String>, Vec<String>)>);

impl RouteTable {
    pub fn from_openapi(api: &serde_json::Value) -> Self {
        let mut out = Vec::new();
        let paths = api["paths"].as_object().into_iter().flatten();
        for (path, item) in paths {
            let segments = path.split('/').map(str::to_owned).collect();
            let methods = item
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

    /// The methods allowed on `path`, if it is a documented path at all. A path that
    /// matches a literal segment (`/users/import`) is that path, not a template's
    /// (`/users/{id}`).
    fn allowed(&self, path: &str) -> Option<&[String]> {
        let parts: Vec<&str> = path.split('/').collect();
        self.0
            .iter()
            .filter_map(|(segments, methods)| {
                let matches = segments.len() == parts.len()
                    && segments
                        .iter()
                        .zip(&parts)
                        .all(|(s, p)| (s.starts_with('{') && !p.is_empty()) || s == p);
                let literals = segments.iter().filter(|s| !s.starts_with('{')).count();
                matches.then_some((literals, methods.as_slice()))
            })
            .max_by_key(|(literals, _)| *literals)
            .map(|(_, methods)| methods)
    }
}

/// What the SPA responses need beyond the files: the Content-Security-Policy
/// (with the hashes of index.html's inline scripts, so no 'unsafe-inline' for
/// scripts) and the gzip bodies, compressed once per asset.
pub struct SpaAssets {
    csp: String,
    gzipped: Mutex<HashMap<String, Arc<Vec<u8>>>>,
}

impl SpaAssets {
    pub fn load() -> Self {
        let html = Assets::get("index.html")
            .map(|f| String::from_utf8_lossy(&f.data).into_owned())
            .unwrap_or_default();
        let hashes: Vec<String> = inline_scripts(&html)
            .iter()
            .map(|body| {
                use base64::Engine;
                let digest = Sha256::digest(body.as_bytes());
                format!(
                    "'sha256-{}'",
                    base64::engine::general_purpose::STANDARD.encode(digest)
                )
            })
            .collect();
        let csp = format!(
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {}; \
             style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
             font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
             frame-ancestors 'none'",
            hashes.join(" ")
        );
        SpaAssets {
            csp,
            gzipped: Mutex::new(HashMap::new()),
        }
    }

    pub fn csp(&self) -> &str {
        &self.csp
    }

    fn gzip(&self, path: &str, data: &[u8]) -> Option<Arc<Vec<u8>>> {
        if let Some(hit) = self.gzipped.lock().ok()?.get(path) {
            return Some(hit.clone());
        }
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        enc.write_all(data).ok()?;
        let body = Arc::new(enc.finish().ok()?);
        self.gzipped
            .lock()
            .ok()?
            .insert(path.to_owned(), body.clone());
        Some(body)
    }
}

/// The bodies of `<script>` elements without `src`.
fn inline_scripts(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<script") {
        let after = &rest[start..];
        let Some(tag_end) = after.find('>') else {
            break;
        };
        let tag = &after[..tag_end];
        let body_start = &after[tag_end + 1..];
        let Some(close) = body_start.find("</script>") else {
            break;
        };
        if !tag.contains(" src=") {
            out.push(body_start[..close].to_owned());
        }
        rest = &body_start[close..];
    }
    out
}

fn problem(err: ApiError) -> HttpResponse {
    actix_web::ResponseError::error_response(&err)
}

fn accepts_gzip(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")))
}

fn serve(req: &HttpRequest, assets: &SpaAssets, path: &str) -> Option<HttpResponse> {
    let file = Assets::get(path)?;
    let mime = file.metadata.mimetype().to_owned();
    let index = path == "index.html";
    // Trunk puts a content hash in every asset name, so they never change.
    let cache = if index {
        "no-cache"
    } else {
        "public, max-age=31536000, immutable"
    };
    let mut resp = HttpResponse::Ok();
    resp.insert_header((header::CONTENT_TYPE, mime.clone()))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header(("X-Content-Type-Options", "nosniff"));
    if index {
        resp.insert_header(("Content-Security-Policy", assets.csp()))
            .insert_header(("Referrer-Policy", "no-referrer"))
            .insert_header(("X-Frame-Options", "DENY"));
    }
    let compressible = mime.starts_with("text/")
        || mime.contains("javascript")
        || mime.contains("wasm")
        || mime.contains("json")
        || mime.contains("svg");
    if compressible && file.data.len() > 1024 && accepts_gzip(req) {
        if let Some(body) = assets.gzip(path, &file.data) {
            resp.insert_header((header::CONTENT_ENCODING, "gzip"));
            return Some(resp.body(body.as_ref().clone()));
        }
    }
    Some(resp.body(file.data.into_owned()))
}

/// The default service.
pub async fn fallback(
    req: HttpRequest,
    routes: web::Data<Arc<RouteTable>>,
    assets: web::Data<SpaAssets>,
) -> HttpResponse {
    let path = req.path();
    if let Some(methods) = routes.allowed(path) {
        // The method is served there, so a path parameter was not of its kind
        // (`/users/not-an-id`): there is no such resource.
        if methods.iter().any(|m| m == req.method().as_str()) {
            return problem(ApiError::NotFound(
                "There is nothing at this address.".to_owned(),
            ));
        }
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
        if let Some(resp) = serve(&req, &assets, rel) {
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
    serve(&req, &assets, "index.html").unwrap_or_else(|| {
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

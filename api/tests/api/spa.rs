//! Serving the embedded SPA: strict CSP on index.html, immutable hashed assets,
//! gzip for the big ones, deep links falling back to index.html.

use crate::helpers::TestApp;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::io::Read;

fn attr_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    html.split(attr)
        .skip(1)
        .filter_map(|rest| rest.strip_prefix("=\"").and_then(|r| r.split('"').next()))
        .collect()
}

#[tokio::test]
async fn the_embedded_spa_is_served_with_csp_caching_and_gzip() {
    let app = TestApp::spawn().await;
    let resp = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let csp = resp
        .headers()
        .get("content-security-policy")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(resp.headers()["cache-control"], "no-cache");
    let html = resp.text().await.unwrap();
    if !html.contains("<script type=\"module\"") {
        // `cargo test` without `make web`: the placeholder page. CI always builds
        // the SPA first, so there this is a failure.
        assert!(
            std::env::var("CI").is_err(),
            "the SPA was not embedded in the binary under test"
        );
        assert!(html.contains("make web"));
        return;
    }
    let csp = csp.expect("index.html carries a Content-Security-Policy");
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{csp}");
    // Every inline script is allowed by its hash, and only by it.
    let body_start =
        html.find("<script type=\"module\">").unwrap() + "<script type=\"module\">".len();
    let body_end = body_start + html[body_start..].find("</script>").unwrap();
    let digest = Sha256::digest(&html.as_bytes()[body_start..body_end]);
    let hash = base64::engine::general_purpose::STANDARD.encode(digest);
    assert!(csp.contains(&format!("'sha256-{hash}'")), "{csp}");

    let assets: Vec<&str> = attr_values(&html, "href")
        .into_iter()
        .chain(attr_values(&html, "src"))
        .filter(|p| p.ends_with(".wasm") || p.ends_with(".js") || p.ends_with(".css"))
        .collect();
    assert!(assets.iter().any(|a| a.ends_with(".wasm")), "{html}");
    for asset in assets {
        let plain = app.client.get(app.url(asset)).send().await.unwrap();
        assert_eq!(plain.status(), 200, "{asset}");
        assert_eq!(
            plain.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        let raw = plain.bytes().await.unwrap();
        let gz = app
            .client
            .get(app.url(asset))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        if raw.len() > 1024 {
            assert_eq!(gz.headers()["content-encoding"], "gzip", "{asset}");
            let packed = gz.bytes().await.unwrap();
            assert!(packed.len() < raw.len());
            let mut unpacked = Vec::new();
            flate2::read::GzDecoder::new(&packed[..])
                .read_to_end(&mut unpacked)
                .unwrap();
            assert_eq!(unpacked, raw.to_vec(), "{asset}");
        }
    }
    // Deep links get the app too.
    let deep = app
        .client
        .get(app.url("/locations/0193"))
        .send()
        .await
        .unwrap();
    assert_eq!(deep.status(), 200);
    assert!(deep
        .text()
        .await
        .unwrap()
        .contains("<script type=\"module\""));
}

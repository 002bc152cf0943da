//! `make bench`'s yardstick: bare actix-web answering every GET with the bytes of one
//! captured OpenStaff response, so the benchmark can say how far a real endpoint is from
//! the HTTP stack alone on the same machine.
//!
//! `openstaff-bench-bare ADDR DIR`: each file `DIR/NAME` is served at `/NAME` as
//! `application/json` (read once at start; unknown paths answer 404).

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use std::collections::HashMap;
use std::sync::Arc;

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(addr), Some(dir)) = (args.next(), args.next()) else {
        eprintln!("usage: openstaff-bench-bare ADDR DIR");
        std::process::exit(2);
    };
    let mut bodies = HashMap::new();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
            bodies.insert(format!("/{name}"), web::Bytes::from(std::fs::read(&path)?));
        }
    }
    let bodies = Arc::new(bodies);
    HttpServer::new(move || {
        let bodies = bodies.clone();
        App::new().default_service(web::to(move |req: HttpRequest| {
            let body = bodies.get(req.path()).cloned();
            async move {
                match body {
                    Some(b) => HttpResponse::Ok().content_type("application/json").body(b),
                    None => HttpResponse::NotFound().finish(),
                }
            }
        }))
    })
    .bind(addr)?
    .run()
    .await
}

//! Entry point: Trunk loads the WASM and this mounts the app on `<body>`.

fn main() {
    leptos::mount::mount_to_body(openstaff_web::App);
}

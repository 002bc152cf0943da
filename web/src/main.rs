//! Entry point: Trunk loads the WASM and this mounts the app on `<body>`.

/// A smaller (and faster) allocator than Rust's default dlmalloc on wasm32.
#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    leptos::mount::mount_to_body(openstaff_web::App);
}

//! Rebuild the binary when the SPA build output changes, since it is embedded.
fn main() {
    println!("cargo:rerun-if-changed=../web/dist");
    println!("cargo:rerun-if-changed=../migrations");
}

#!/usr/bin/env bash
# Installs exactly the tools the SPA build needs (`make web-tools`). Idempotent, and
# quick when everything is already there, so every `make web` can run it.
#   - the wasm32 rust target
#   - trunk (pinned)
#   - wasm-bindgen-cli at the version in Cargo.lock (it must match the library)
#   - wasm-opt from npm binaryen (pinned) in .tools/; Debian's binaryen is too old and
#     produces wasm that breaks in the browser
# web/Trunk.toml sets `offline = true`, so trunk never downloads tools itself and runs
# cargo offline; this script fetches the crates instead.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

TRUNK_VERSION=0.21.14
BINARYEN_VERSION=132
WASM_TARGET=wasm32-unknown-unknown

export PATH="$HOME/.cargo/bin:$root/.tools/node_modules/.bin:$PATH"

say() { echo "web-tools: $*" >&2; }

lock_version() {
  awk -v want="name = \"$1\"" '$0 == want { getline; gsub(/^version = "|"$/, ""); print; exit }' Cargo.lock
}

wasm_bindgen_version="$(lock_version wasm-bindgen)"
if [[ -z "$wasm_bindgen_version" ]]; then
  say "Cargo.lock has no wasm-bindgen entry; run 'cargo generate-lockfile' first"
  exit 1
fi
trunk_toml_version="$(sed -n 's/^wasm_bindgen *= *"\([^"]*\)".*/\1/p' web/Trunk.toml)"
if [[ "$trunk_toml_version" != "$wasm_bindgen_version" ]]; then
  say "web/Trunk.toml says wasm_bindgen = \"$trunk_toml_version\" but Cargo.lock has wasm-bindgen $wasm_bindgen_version."
  say "Set [tools] wasm_bindgen = \"$wasm_bindgen_version\" in web/Trunk.toml."
  exit 1
fi

# The pinned toolchain (rust-toolchain.toml) applies here because we are in the repo.
if ! rustup target list --installed | grep -qx "$WASM_TARGET"; then
  say "adding rust target $WASM_TARGET"
  rustup target add "$WASM_TARGET"
fi

if [[ "$(trunk --version 2>/dev/null || true)" != "trunk $TRUNK_VERSION" ]]; then
  say "installing trunk $TRUNK_VERSION"
  cargo install trunk --version "$TRUNK_VERSION" --locked --force
fi

if [[ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $wasm_bindgen_version" ]]; then
  say "installing wasm-bindgen-cli $wasm_bindgen_version"
  # Not --locked: the CLI's own lockfile pins crates that no longer build on current rustc.
  cargo install wasm-bindgen-cli --version "$wasm_bindgen_version" --force
fi

wasm_opt="$root/.tools/node_modules/.bin/wasm-opt"
if [[ "$("$wasm_opt" --version 2>/dev/null || true)" != *"(version_$BINARYEN_VERSION)"* ]]; then
  say "installing binaryen $BINARYEN_VERSION (wasm-opt) into .tools/"
  mkdir -p .tools
  npm install --prefix .tools --no-audit --no-fund "binaryen@$BINARYEN_VERSION"
fi

# trunk runs cargo --offline: make sure every crate is in the local registry.
cargo fetch --quiet

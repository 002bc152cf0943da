#!/usr/bin/env bash
# Installs what the browser tests need (`make e2e-deps`): the distribution's Chromium
# (Playwright is pointed at /usr/bin/chromium and never downloads browsers) and the
# e2e/ npm packages. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "e2e-deps: $*" >&2; }

if [[ ! -x /usr/bin/chromium ]]; then
  sudo=""
  if [[ "$(id -u)" -ne 0 ]]; then sudo="sudo"; fi
  say "installing chromium"
  $sudo apt-get update
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

# Installed once, and again whenever the lockfile changes (a stale node_modules
# would lack a package added since).
lock_sum="$(sha256sum e2e/package-lock.json 2>/dev/null | cut -d' ' -f1 || true)"
stamp=e2e/node_modules/.openstaff-lock-sha256
if [[ ! -d e2e/node_modules || "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ]]; then
  say "installing e2e npm packages"
  export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
  if [[ -f e2e/package-lock.json ]]; then
    (cd e2e && npm ci --no-audit --no-fund)
  else
    (cd e2e && npm install --no-audit --no-fund)
  fi
  echo "$lock_sum" >"$stamp"
fi

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

if [[ ! -d e2e/node_modules ]]; then
  say "installing e2e npm packages"
  export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
  if [[ -f e2e/package-lock.json ]]; then
    (cd e2e && npm ci --no-audit --no-fund)
  else
    (cd e2e && npm install --no-audit --no-fund)
  fi
fi

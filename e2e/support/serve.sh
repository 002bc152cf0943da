#!/usr/bin/env bash
# Starts the real release binary on a fresh demo database for one Playwright run.
# Playwright's webServer runs this and stops it (SIGTERM) when the run ends.
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${OPENSTAFF_BIN:-${CARGO_TARGET_DIR:-../target}/release/openstaff}"
port="${E2E_PORT:-18080}"
if [[ ! -x "$bin" ]]; then
  echo "e2e: $bin not found; run 'make e2e' (or 'cargo build --release -p openstaff')" >&2
  exit 1
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/openstaff-e2e.XXXXXX")"
pid=""
cleanup() {
  if [[ -n "$pid" ]]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 143' INT TERM

export DATABASE_URL="sqlite://$dir/openstaff.db"
# Where the specs find the database (the self-service reset's spec reads the text
# messages of the development outbox with `openstaff sms outbox`).
echo "$DATABASE_URL" > "${TMPDIR:-/tmp}/openstaff-e2e-$port.database-url"
# Quiet request logs; warnings and errors still reach the Playwright output.
export RUST_LOG="${RUST_LOG:-warn}"
export OPENSTAFF_LOG_FORMAT="${OPENSTAFF_LOG_FORMAT:-text}"
# Every test signs in from 127.0.0.1; two workers would trip the default per-IP limit
# (60 a minute) and turn unrelated tests into 429s.
export OPENSTAFF_SIGNIN_RATE_PER_MINUTE="${OPENSTAFF_SIGNIN_RATE_PER_MINUTE:-1000}"
# The specs sign the demo admins in with a password alone; the security specs' servers
# ask for `required` (the shipped default) themselves.
export OPENSTAFF_ADMIN_MFA="${OPENSTAFF_ADMIN_MFA:-off}"
"$bin" seed demo
# E2E_PUBLIC_URL names the server otherwise (the passkey specs reach it at
# http://localhost:PORT: WebAuthn needs a host name for its relying-party id).
"$bin" serve --bind "127.0.0.1:$port" ${E2E_PUBLIC_URL:+--public-url "$E2E_PUBLIC_URL"} &
pid=$!
wait "$pid"

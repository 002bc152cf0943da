#!/usr/bin/env bash
# The directory specs' server (`*.directory.spec.ts`): a throw-away Samba AD domain
# controller (scripts/samba-dc.sh, on its own loopback address) with an OU of store
# staff, the demo organisation, a first directory sync, then the release binary
# connected to the domain. Playwright's webServer runs this and stops it (SIGTERM).
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${OPENSTAFF_BIN:-${CARGO_TARGET_DIR:-../target}/release/openstaff}"
port="${E2E_DIRECTORY_PORT:-18081}"
export SAMBA_DC_IP="${E2E_DC_IP:-127.0.0.2}"
# Where the specs find the DC (its CA and administrator password, for ldapsearch).
dc="${TMPDIR:-/tmp}/openstaff-e2e-dc-$port"
dir="$(mktemp -d "${TMPDIR:-/tmp}/openstaff-e2e-directory.XXXXXX")"
pid=""
cleanup() {
  if [[ -n "$pid" ]]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  ../scripts/samba-dc.sh stop "$dc" || true
  rm -rf "$dir" "$dc"
}
trap cleanup EXIT
trap 'exit 143' INT TERM

rm -rf "$dc"
../scripts/samba-dc.sh start "$dc" >/dev/null
tool() { samba-tool "$@" -H "$dc/private/sam.ldb" -s "$dc/etc/smb.conf" >/dev/null; }
tool ou create OU=Stores
tool user create ines.duarte 'Indigo-Harbor-Kite-71' --userou=OU=Stores --given-name=Ines \
  --surname=Duarte --mail-address=ines.duarte@corp.example --job-title=Cashier --department=Store
tool user create olga.petrova 'Copper-Valley-Bridge-64' --userou=OU=Stores --given-name=Olga \
  --surname=Petrova --mail-address=olga.petrova@corp.example --job-title=Cashier --department=Store
set -a
# shellcheck disable=SC1090
. <(../scripts/samba-dc.sh env "$dc")
set +a
export OPENSTAFF_LDAP_BASE_DN="OU=Stores,DC=corp,DC=example"
export DATABASE_URL="sqlite://$dir/openstaff.db"
# The specs read the development SMS outbox with the CLI, as an operator does.
echo "$DATABASE_URL" > "${TMPDIR:-/tmp}/openstaff-e2e-$port.database-url"
export RUST_LOG="${RUST_LOG:-warn}"
export OPENSTAFF_LOG_FORMAT="${OPENSTAFF_LOG_FORMAT:-text}"
export OPENSTAFF_SIGNIN_RATE_PER_MINUTE="${OPENSTAFF_SIGNIN_RATE_PER_MINUTE:-1000}"
"$bin" seed demo >/dev/null
"$bin" directory sync --full >/dev/null
# The directory specs sign admins in with a password alone.
OPENSTAFF_ADMIN_MFA="${OPENSTAFF_ADMIN_MFA:-off}" "$bin" serve --bind "127.0.0.1:$port" &
pid=$!
wait "$pid"

#!/usr/bin/env bash
# The directory sync's benchmark (issue 12, item 6), run by `make bench` and by
# `BENCH_ONLY=directory scripts/bench.sh`: a throw-away Samba AD DC gets
# BENCH_DIRECTORY_USERS users in an OU of their own (setup, not measured: written
# through Samba's database layer beside the running DC), then the release binary's `openstaff directory sync
# --full` into an empty SQLite database is timed, then an incremental sync after
# BENCH_DIRECTORY_CHANGED of them changed in AD, then a manager's reset written back
# to AD under load (wrk). Writes its own section of bench/results.md (the rest kept).
#
#   BENCH_DIRECTORY_USERS=10000   users in the OU
#   BENCH_DIRECTORY_CHANGED=100   users changed before the incremental run
#   SAMBA_DC_IP=127.0.0.1         the DC's loopback address (scripts/samba-dc.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
USERS="${BENCH_DIRECTORY_USERS:-10000}"
CHANGED="${BENCH_DIRECTORY_CHANGED:-100}"
IP="${SAMBA_DC_IP:-127.0.0.1}"
export SAMBA_DC_IP="$IP"
BIN="${OPENSTAFF_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/openstaff}"
OUT="$root/bench/results.md"
DC_DIR="${BENCH_DC_DIR:-${CARGO_TARGET_DIR:-$root/target}/bench-samba-dc-$IP}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
[[ -x "$BIN" ]] || { echo "build it first: cargo build --release -p openstaff ($BIN)" >&2; exit 1; }

scripts/samba-dc.sh start "$DC_DIR"
set -a
# shellcheck disable=SC1090
source <(scripts/samba-dc.sh env "$DC_DIR")
set +a
ADMIN_DN="$OPENSTAFF_LDAP_BIND_DN"
OU_NAME="bench$(date +%s)"
OU="OU=$OU_NAME,$OPENSTAFF_LDAP_BASE_DN"
ldap() { # ldapadd|ldapmodify args...
  local tool="$1"; shift
  LDAPTLS_CACERT="$OPENSTAFF_LDAP_CA_FILE" "$tool" -x -H "$OPENSTAFF_LDAP_URL" -D "$ADMIN_DN" \
    -y "$OPENSTAFF_LDAP_BIND_PASSWORD_FILE" "$@" >/dev/null
}
now() { date +%s.%N; }

echo "bench-directory: creating $USERS users in $OU" >&2
# Through Samba's own database layer, in transactions of 1,000: an LDAP add costs the
# DC ~80 ms each (10,000 would take a quarter of an hour), this ~8 ms. The accounts
# have no password, so they are disabled (userAccountControl 514); the sync reads
# and writes them all the same.
t0="$(now)"
/usr/bin/python3 - "$DC_DIR" "$OU" "$USERS" <<'PY'
import sys
import ldb
from samba.auth import system_session
from samba.param import LoadParm
from samba.samdb import SamDB
d, ou, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
lp = LoadParm()
lp.load(f"{d}/etc/smb.conf")
db = SamDB(url=f"{d}/private/sam.ldb", session_info=system_session(), lp=lp, flags=ldb.FLG_NOSYNC)
db.add({"dn": ou, "objectClass": "organizationalUnit"})
for start in range(0, n, 1000):
    db.transaction_start()
    try:
        for i in range(start, min(start + 1000, n)):
            sam = f"bench{i:05d}"
            db.add({"dn": f"CN=Bench User {i:05d},{ou}", "objectClass": "user",
                    "sAMAccountName": sam, "userPrincipalName": f"{sam}@corp.example",
                    "displayName": f"Bench User {i:05d}", "mail": f"{sam}@corp.example",
                    "title": "Cashier", "department": f"Store {i % 100}",
                    "userAccountControl": "514"})
        db.transaction_commit()
    except Exception:
        db.transaction_cancel()
        raise
PY
setup="$(python3 -c "print(f'{$(now) - $t0:.1f}')")"
echo "bench-directory: created in $setup s" >&2

export DATABASE_URL="sqlite://$work/openstaff.db"
export OPENSTAFF_LDAP_BASE_DN="$OU"
"$BIN" migrate >/dev/null 2>&1
t0="$(now)"
"$BIN" directory sync --full > "$work/full.json"
full="$(python3 -c "print(f'{$(now) - $t0:.2f}')")"

python3 - "$OU" "$CHANGED" "$USERS" > "$work/changes.ldif" <<'PY'
import sys
ou, n, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
step = max(total // max(n, 1), 1)
for k in range(n):
    i = k * step
    print(f"dn: CN=Bench User {i:05d},{ou}\nchangetype: modify\nreplace: title\ntitle: Store Supervisor\n-\n"
          f"replace: displayName\ndisplayName: Bench Lead {i:05d}\n")
PY
ldap ldapmodify -f "$work/changes.ldif"
t0="$(now)"
"$BIN" directory sync > "$work/incremental.json"
incremental="$(python3 -c "print(f'{$(now) - $t0:.2f}')")"

# A manager's reset written back to AD, under load: the server connected to the DC,
# a Global Administrator resetting BENCH_DIRECTORY_RESET_USERS synced users in turn, each
# to a fresh password the domain accepts (wrk, 4 connections).
PORT="${BENCH_PORT:-18190}"
BASE="http://127.0.0.1:$PORT"
RESET_USERS="${BENCH_DIRECTORY_RESET_USERS:-50}"
printf 'Bench-Admin-Pass-2026!' | "$BIN" create-admin --upn bench.admin@corp.example >/dev/null
OPENSTAFF_DIRECTORY_SYNC_SECONDS=0 OPENSTAFF_ADMIN_MFA=off OPENSTAFF_REAUTHENTICATION_MINUTES=1440 OPENSTAFF_SIGNIN_RATE_PER_MINUTE=100000 RUST_LOG=warn \
  "$BIN" serve --bind "127.0.0.1:$PORT" >"$work/serve.log" 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.1; done
token=$(curl -sf "$BASE/api/v1/auth/token" -H 'content-type: application/json' \
  -d '{"username":"bench.admin@corp.example","password":"Bench-Admin-Pass-2026!"}' |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
paths=$(curl -sf "$BASE/api/v1/users?search=bench&limit=$RESET_USERS" -H "authorization: Bearer $token" |
  python3 -c 'import json,sys; print(" ".join("/api/v1/users/%s/reset-password" % u["id"] for u in json.load(sys.stdin)["items"]))')
cat bench/directory-reset.lua bench/stats.lua > "$work/reset.lua"
reset_line="$(BENCH_TOKEN="$token" BENCH_PATHS="$paths" wrk -t2 -c4 -d"${BENCH_SECONDS:-10}s" --timeout 10s \
  -s "$work/reset.lua" "$BASE/" | grep '^RESULT' || true)"
kill "$server_pid" 2>/dev/null || true
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" <<<"$reset_line"; }
reset_p95="$(field p95)"

count() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(d[sys.argv[2]])" "$@"; }
{
  echo "## Directory sync"
  echo
  echo "Run by \`BENCH_ONLY=directory scripts/bench.sh\` on $(date -u +%Y-%m-%d) — $(nproc) cores; a Samba AD DC on the same"
  echo "machine (LDAPS, pages of 1,000), the release binary's \`openstaff directory sync\` into an empty SQLite"
  echo "database, wall-clock time of the whole command (connect, bind, read, write, audit). Creating the"
  echo "$USERS users in AD (through Samba's database layer, disabled accounts without passwords) took $setup s and is not measured;"
  echo "the $CHANGED changes (display name and job title) were made over LDAPS with \`ldapmodify\`."
  echo
  echo "| run | users read | created | updated | seconds | goal |"
  echo "|---|---|---|---|---|---|"
  echo "| full (\`--full\`) | $(count "$work/full.json" read) | $(count "$work/full.json" created) | $(count "$work/full.json" updated) | $full | < 60 s: $(python3 -c "print('met' if $full < 60 else 'NOT met')") |"
  echo "| incremental after $CHANGED changed | $(count "$work/incremental.json" read) | $(count "$work/incremental.json" created) | $(count "$work/incremental.json" updated) | $incremental | < 2 s: $(python3 -c "print('met' if $incremental < 2 else 'NOT met')") |"
  echo
  echo "A manager's reset of a synced user, written back to AD (\`unicodePwd\`, \`pwdLastSet=0\`, \`lockoutTime=0\` over LDAPS, then OpenStaff's"
  echo "own transaction), $RESET_USERS users in turn, wrk with 4 connections, ${BENCH_SECONDS:-10} s; latencies in ms:"
  echo
  echo "| endpoint | req/s | p50 | p95 | p99 | errors | goal |"
  echo "|---|---|---|---|---|---|---|"
  echo "| reset password (writeback) | $(field rps) | $(field p50) | $reset_p95 | $(field p99) | $(field errors) / $(field non2xx) non-2xx | p95 < 300 ms: $(python3 -c "print('met' if ${reset_p95:-9999} < 300 else 'NOT met')") |"
  echo
} > "$work/section.md"
scripts/bench-section.py "$OUT" "$work/section.md"
cat "$work/section.md"

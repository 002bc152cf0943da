#!/usr/bin/env bash
# `make bench`: the web app's size, then a load benchmark of the real server (wrk)
# on each store and directory size. Writes bench/results.md.
#
#   BENCH_USERS="10000"           directory sizes (add 1000000 for the scale run)
#   BENCH_STORES="sqlite postgres" stores (postgres uses scripts/pg-test.sh)
#   BENCH_SECONDS=10              duration of each measurement
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
USERS_LIST="${BENCH_USERS:-10000}"
STORES="${BENCH_STORES:-sqlite postgres}"
SECS="${BENCH_SECONDS:-10}"
BIN="${OPENSTAFF_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/openstaff}"
OUT="$root/bench/results.md"
PORT=18180
BASE="http://127.0.0.1:$PORT"
work="$(mktemp -d)"
server_pid=""
cleanup() { [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cat bench/post.lua bench/stats.lua > "$work/post.lua"

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

{
  echo "# Benchmarks"
  echo
  echo "Run by \`make bench\` on $(date -u +%Y-%m-%d) — $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/{print $2}') GiB."
  echo
  echo "## Web app size"
  echo
  echo "| file | raw bytes | gzip -9 bytes |"
  echo "|---|---|---|"
  for f in web/dist/*.wasm web/dist/*.js web/dist/*.css; do
    [[ -f "$f" ]] || continue
    echo "| $(basename "$f" | sed 's/-[0-9a-f]\{16\}//') | $(stat -c %s "$f") | $(gzip -9c "$f" | wc -c) |"
  done
  echo
  echo "## API under load"
  echo
  echo "wrk, 2 threads, 8 connections unless the row says otherwise, ${SECS} s each; latencies in ms."
  echo
  echo "| store | users | endpoint | req/s | p50 | p95 | p99 | errors |"
  echo "|---|---|---|---|---|---|---|---|"
} > "$OUT.tmp"

measure() { # store users label wrk-args...
  local store="$1" users="$2" label="$3"; shift 3
  local line
  line="$(wrk -t2 --timeout 10s -d"${SECS}s" "$@" | grep '^RESULT' || true)"
  local rps p50 p95 p99 err non
  rps=$(sed -n 's/.*rps=\([^ ]*\).*/\1/p' <<<"$line")
  p50=$(sed -n 's/.*p50=\([^ ]*\).*/\1/p' <<<"$line")
  p95=$(sed -n 's/.*p95=\([^ ]*\).*/\1/p' <<<"$line")
  p99=$(sed -n 's/.*p99=\([^ ]*\).*/\1/p' <<<"$line")
  err=$(sed -n 's/.*errors=\([^ ]*\).*/\1/p' <<<"$line")
  non=$(sed -n 's/.*non2xx=\([^ ]*\).*/\1/p' <<<"$line")
  echo "| $store | $users | $label | $rps | $p50 | $p95 | $p99 | $err / $non non-2xx |" >> "$OUT.tmp"
  echo "bench: $store $users $label: $line" >&2
}

for store in $STORES; do
  for users in $USERS_LIST; do
    units=$(( users / 100 )); (( units < 1 )) && units=1
    if [[ "$store" == sqlite ]]; then
      db="sqlite://$work/bench-$users.db"
    else
      scripts/pg-test.sh start
      name="bench_$users"
      psql -h 127.0.0.1 -p 55432 -U postgres -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name"
      db="postgres://postgres@127.0.0.1:55432/$name"
    fi
    echo "bench: seeding $users users / $units locations on $store" >&2
    t0=$(date +%s.%N)
    DATABASE_URL="$db" "$BIN" seed scale --users "$users" --units "$units" --quiet
    echo "| $store | $users | $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") |" >> "$work/seed.md"
    DATABASE_URL="$db" OPENSTAFF_SIGNIN_RATE_PER_MINUTE=100000000 OPENSTAFF_LOG_FORMAT=json RUST_LOG=warn \
      "$BIN" serve --bind "127.0.0.1:$PORT" 2>"$work/server.log" &
    server_pid=$!
    for _ in $(seq 100); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.1; done
    token=$(curl -s "$BASE/api/v1/auth/token" -H 'content-type: application/json' \
      -d '{"username":"manager.1@scale.example","password":"OpenStaff-Scale-2026!"}' | json "d['access_token']")
    unit=$(curl -s "$BASE/api/v1/me/administrative-units" -H "authorization: Bearer $token" | json "d['items'][0]['id']")
    members=$(curl -s "$BASE/api/v1/administrative-units/$unit/members?limit=200" -H "authorization: Bearer $token")
    user=$(json "[u['id'] for u in d['items'] if 'reset_password' in u['allowed_actions']][0]" <<<"$members")
    resets=$(json "' '.join('/api/v1/users/%s/reset-password' % u['id'] for u in d['items'] if 'reset_password' in u['allowed_actions'] and u['source']=='cloud')" <<<"$members")
    auth=(-H "authorization: Bearer $token")
    # Reads at 8 connections: enough to keep both cores busy (the rate does not grow
    # with more), so the latencies are the server's, not a queue in front of it. One
    # run at 32 connections shows what that queue adds.
    measure "$store" "$users" "members page (50)" -c8 -s bench/stats.lua "${auth[@]}" "$BASE/api/v1/administrative-units/$unit/members"
    measure "$store" "$users" "members page (50), 32 connections" -c32 -s bench/stats.lua "${auth[@]}" "$BASE/api/v1/administrative-units/$unit/members"
    measure "$store" "$users" "user search \"ma ga\"" -c8 -s bench/stats.lua "${auth[@]}" "$BASE/api/v1/users?search=ma%20ga&limit=20"
    measure "$store" "$users" "user search \"mar\"" -c8 -s bench/stats.lua "${auth[@]}" "$BASE/api/v1/users?search=mar&limit=20"
    measure "$store" "$users" "user profile" -c8 -s bench/stats.lua "${auth[@]}" "$BASE/api/v1/users/$user"
    BENCH_BODY='{"username":"admin@scale.example","password":"OpenStaff-Scale-2026!"}' \
      measure "$store" "$users" "sign-in" -c8 -s "$work/post.lua" "$BASE/api/v1/auth/token"
    BENCH_TOKEN="$token" BENCH_BODY='{}' BENCH_PATHS="$resets" \
      measure "$store" "$users" "reset password" -c8 -s "$work/post.lua" "$BASE/api/v1/auth/token"
    # Reads while argon2-heavy writes run: the members page with sign-ins alongside.
    BENCH_BODY='{"username":"admin@scale.example","password":"OpenStaff-Scale-2026!"}' \
      wrk -t1 -c8 -d"$((SECS + 2))s" -s "$work/post.lua" "$BASE/api/v1/auth/token" >/dev/null &
    load=$!
    sleep 1
    measure "$store" "$users" "members page, during sign-ins" -c8 -s bench/stats.lua "${auth[@]}" "$BASE/api/v1/administrative-units/$unit/members"
    wait "$load" || true
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
  done
done
[[ " $STORES " == *" postgres "* ]] && scripts/pg-test.sh stop
{
  echo
  echo "## seed scale"
  echo
  echo "| store | users | seconds |"
  echo "|---|---|---|"
  cat "$work/seed.md"
} >> "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
cat "$OUT"

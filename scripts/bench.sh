#!/usr/bin/env bash
# `make bench`: the web app's size, then a load benchmark of the real server (wrk)
# on each store and directory size: the API, then the OpenID Connect provider. Writes
# bench/results.md.
#
#   BENCH_USERS="10000"           directory sizes (add 1000000 for the scale run)
#   BENCH_STORES="sqlite postgres" stores (postgres uses scripts/pg-test.sh)
#   BENCH_SECONDS=10              duration of each measurement
#   BENCH_ONLY=oidc               only the OpenID Connect provider's rows, written into
#                                 their own section of bench/results.md (the rest kept)
#   BENCH_ONLY=mfa                only the second factor's cost at sign-in (bench/mfa.py:
#                                 the hosted page's code step against a password-only
#                                 sign-in), written into its own section likewise
#   BENCH_MFA_COUNT=150           sign-ins per MFA measurement (each a different person)
#   BENCH_ONLY=memory             only the server's memory under a mix of reads, password
#                                 resets and phone changes, written into its own section
#   BENCH_MIX_SECONDS=180         duration of that mix
#   BENCH_ONLY=directory          only the directory sync (scripts/bench-directory.sh:
#                                 a Samba AD DC, 10,000 users, full and incremental
#                                 sync), written into its own section likewise
#   BENCH_PORT=18180              the server's port
#   OPENSTAFF_TEST_PG_PORT, OPENSTAFF_TEST_PG_DATA   the throw-away PostgreSQL's (pg-test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
USERS_LIST="${BENCH_USERS:-10000}"
STORES="${BENCH_STORES:-sqlite postgres}"
SECS="${BENCH_SECONDS:-10}"
ONLY="${BENCH_ONLY:-all}"
[[ "$ONLY" == all || "$ONLY" == oidc || "$ONLY" == mfa || "$ONLY" == memory || "$ONLY" == directory ]] || { echo "BENCH_ONLY must be oidc, mfa, memory or directory (or unset)" >&2; exit 2; }
[[ "$ONLY" == directory ]] && exec scripts/bench-directory.sh
BIN="${OPENSTAFF_BIN:-${CARGO_TARGET_DIR:-$root/target}/release/openstaff}"
BARE="${CARGO_TARGET_DIR:-$root/target}/release/openstaff-bench-bare"
OUT="$root/bench/results.md"
PORT="${BENCH_PORT:-18180}"
PG_PORT="${OPENSTAFF_TEST_PG_PORT:-55432}"
BASE="http://127.0.0.1:$PORT"
work="$(mktemp -d)"
server_pid=""
bare_pid=""
cleanup() { [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null; [[ -n "$bare_pid" ]] && kill "$bare_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cat bench/post.lua bench/stats.lua > "$work/post.lua"
cat bench/phones.lua bench/stats.lua > "$work/phones.lua"
cat bench/oidc-code.lua bench/stats.lua > "$work/oidc-code.lua"
cat bench/oidc-refresh.lua bench/stats.lua > "$work/oidc-refresh.lua"

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

[[ "$ONLY" == all ]] && {
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
  line="$(wrk -t"${WRK_THREADS:-2}" --timeout 10s -d"${SECS}s" "$@" | grep '^RESULT' || true)"
  local rps p50 p95 p99 err non
  rps=$(sed -n 's/.*rps=\([^ ]*\).*/\1/p' <<<"$line")
  p50=$(sed -n 's/.*p50=\([^ ]*\).*/\1/p' <<<"$line")
  p95=$(sed -n 's/.*p95=\([^ ]*\).*/\1/p' <<<"$line")
  p99=$(sed -n 's/.*p99=\([^ ]*\).*/\1/p' <<<"$line")
  err=$(sed -n 's/.*errors=\([^ ]*\).*/\1/p' <<<"$line")
  non=$(sed -n 's/.*non2xx=\([^ ]*\).*/\1/p' <<<"$line")
  echo "| $store | $users | $label | $rps | $p50 | $p95 | $p99 | $err / $non non-2xx |" >> "${ROWS:-$OUT.tmp}"
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
      psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name"
      db="postgres://postgres@127.0.0.1:$PG_PORT/$name"
    fi
    echo "bench: seeding $users users / $units locations on $store" >&2
    t0=$(date +%s.%N)
    DATABASE_URL="$db" "$BIN" seed scale --users "$users" --units "$units" --quiet
    echo "| $store | $users | $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") |" >> "$work/seed.md"
    scripts/index-size.py "$store" "$users" "$db" >> "$work/index.md"
    redirect="http://127.0.0.1:9/bench/callback"
    client=$(DATABASE_URL="$db" "$BIN" applications create --name Bench --redirect-uri "$redirect" --public | json "d['client_id']")
    # The admin policy off: the benchmark's admin and manager use the password grant.
    DATABASE_URL="$db" OPENSTAFF_ADMIN_MFA=off OPENSTAFF_SIGNIN_RATE_PER_MINUTE=100000000 OPENSTAFF_REAUTHENTICATION_MINUTES=1440 OPENSTAFF_LOG_FORMAT=json RUST_LOG=warn \
      "$BIN" serve --bind "127.0.0.1:$PORT" 2>"$work/server.log" &
    server_pid=$!
    for _ in $(seq 100); do curl -sf "$BASE/readyz" >/dev/null && break; sleep 0.1; done
    if [[ "$ONLY" == all || "$ONLY" == memory ]]; then
      token=$(curl -s "$BASE/api/v1/auth/token" -H 'content-type: application/json' \
        -d '{"username":"manager.1@scale.example","password":"OpenStaff-Scale-2026!"}' | json "d['access_token']")
      unit=$(curl -s "$BASE/api/v1/me/administrative-units" -H "authorization: Bearer $token" | json "d['items'][0]['id']")
      members=$(curl -s "$BASE/api/v1/administrative-units/$unit/members?limit=200" -H "authorization: Bearer $token")
      user=$(json "[u['id'] for u in d['items'] if 'reset_password' in u['allowed_actions']][0]" <<<"$members")
      resets=$(json "' '.join('/api/v1/users/%s/reset-password' % u['id'] for u in d['items'] if 'reset_password' in u['allowed_actions'] and u['source']=='cloud')" <<<"$members")
      phones=$(json "' '.join('/api/v1/users/%s/phone-methods/mobile' % u['id'] for u in d['items'] if 'manage_phone_methods' in u['allowed_actions'])" <<<"$members")
      auth=(-H "authorization: Bearer $token")
    fi
    if [[ "$ONLY" == all ]]; then
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
      # The yardstick: bare actix-web (bench/bare) serving the very bytes each read
      # answered, measured the same way, so every run reports how far each endpoint
      # is from the HTTP stack alone.
      if [[ -x "$BARE" ]]; then
        rm -rf "$work/bare"; mkdir -p "$work/bare"
        curl -s "${auth[@]}" "$BASE/api/v1/administrative-units/$unit/members" > "$work/bare/members"
        curl -s "${auth[@]}" "$BASE/api/v1/users?search=ma%20ga&limit=20" > "$work/bare/search"
        curl -s "${auth[@]}" "$BASE/api/v1/users/$user" > "$work/bare/profile"
        "$BARE" "127.0.0.1:$((PORT + 1))" "$work/bare" & bare_pid=$!
        for _ in $(seq 50); do curl -sf "http://127.0.0.1:$((PORT + 1))/profile" >/dev/null && break; sleep 0.1; done
        for pair in "members page (50):members" "user search \"ma ga\":search" "user profile:profile"; do
          label="${pair%:*}"; file="${pair##*:}"
          ROWS="$work/bare-rows.md" measure "$store" "$users" "$label" -c8 -s bench/stats.lua "http://127.0.0.1:$((PORT + 1))/$file"
          ours=$(grep -F "| $store | $users | $label |" "$OUT.tmp" | head -1 | cut -d'|' -f5 | xargs)
          bare=$(tail -1 "$work/bare-rows.md" | cut -d'|' -f5 | xargs)
          echo "| $store | $users | $label | $(stat -c %s "$work/bare/$file") | $ours | $bare | $(python3 -c "print(f'{$bare / $ours:.1f}x')") |" >> "$work/bare.md"
        done
        kill "$bare_pid"; wait "$bare_pid" 2>/dev/null || true; bare_pid=""
      fi
    fi
    if [[ "$ONLY" == all || "$ONLY" == memory ]]; then
      # Memory: the server's resident set after reads alone, then under a mix of
      # reads, password resets (Argon2id, 19 MiB a hash) and phone changes, sampled
      # every 5 s; VmHWM is the peak over the server's life.
      rss() { awk "/^$1:/{print int(\$2 / 1024)}" "/proc/$server_pid/status"; }
      [[ "$ONLY" == memory ]] && wrk -t2 -c8 -d"${SECS}s" "${auth[@]}" "$BASE/api/v1/administrative-units/$unit/members" >/dev/null
      reads_rss=$(rss VmRSS)
      mix="${BENCH_MIX_SECONDS:-180}"
      echo "bench: $store $users: memory under a ${mix} s mix" >&2
      wrk -t1 -c4 --timeout 10s -d"${mix}s" -s bench/stats.lua "${auth[@]}" "$BASE/api/v1/administrative-units/$unit/members" > "$work/mix-reads" &
      mix_reads=$!
      BENCH_TOKEN="$token" BENCH_BODY='{}' BENCH_PATHS="$resets" \
        wrk -t1 -c2 --timeout 10s -d"${mix}s" -s "$work/post.lua" "$BASE/" > "$work/mix-resets" &
      mix_resets=$!
      BENCH_TOKEN="$token" BENCH_PATHS="$phones" \
        wrk -t1 -c2 --timeout 10s -d"${mix}s" -s "$work/phones.lua" "$BASE/" > "$work/mix-phones" &
      mix_phones=$!
      sampled=0
      while kill -0 "$mix_reads" 2>/dev/null; do
        sleep 5; now=$(rss VmRSS); (( now > sampled )) && sampled=$now
      done
      wait "$mix_reads" "$mix_resets" "$mix_phones" || true
      field() { sed -n "s/.*$2=\([^ ]*\).*/\1/p" "$work/mix-$1"; }
      echo "| $store | $users | $reads_rss | $sampled | $(rss VmRSS) | $(rss VmHWM) | $(field reads rps) | $(field resets rps) | $(field phones rps) | $(( $(field reads non2xx) + $(field resets non2xx) + $(field phones non2xx) )) |" >> "$work/memory.md"
      echo "bench: $store $users memory: $(tail -1 "$work/memory.md")" >&2
    fi
    if [[ "$ONLY" == memory ]]; then
      kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
      continue
    fi
    if [[ "$ONLY" == all || "$ONLY" == mfa ]]; then
      echo "bench: $store $users: the second factor at sign-in" >&2
      python3 bench/mfa.py --base "$BASE" --client "$client" --redirect "$redirect" --store "$store" \
        --users "$users" --admin admin@scale.example --password "OpenStaff-Scale-2026!" \
        --count "${BENCH_MFA_COUNT:-150}" | tee -a "$work/mfa.md" >&2
    fi
    if [[ "$ONLY" == mfa ]]; then
      kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
      continue
    fi
    # The OpenID Connect provider. Codes and refresh tokens are single-use, so
    # `openstaff bench-mint` makes a supply of them through the store's own functions
    # (a minute to use the codes in, as the hosted page gives); refreshes chain, each
    # answer's refresh token being the next one sent on that connection.
    verifier="bench-verifier-0123456789-0123456789-0123456789"
    challenge=$(printf %s "$verifier" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '=')
    authorize="/oauth2/authorize?client_id=$client&redirect_uri=$(python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1], safe=''))" "$redirect")&response_type=code&scope=openid%20profile%20email%20offline_access&state=bench-state&nonce=bench-nonce&code_challenge=$challenge&code_challenge_method=S256"
    mint() { DATABASE_URL="$db" "$BIN" bench-mint --client-id "$client" --upn manager.1@scale.example \
      --redirect-uri "$redirect" --code-verifier "$verifier" "$@"; }
    mint --codes $(( SECS * 6000 )) > "$work/codes"
    BENCH_CODES="$work/codes" BENCH_CLIENT="$client" BENCH_REDIRECT="$redirect" BENCH_VERIFIER="$verifier" ROWS="$work/oidc.md" \
      measure "$store" "$users" "token: code exchange (RS256 ID token)" -c8 -s "$work/oidc-code.lua" "$BASE/oauth2/token"
    mint --refresh-tokens 16 > "$work/refresh"
    BENCH_REFRESH="$work/refresh" BENCH_CLIENT="$client" ROWS="$work/oidc.md" \
      measure "$store" "$users" "token: refresh (rotation, chained)" -c8 -s "$work/oidc-refresh.lua" "$BASE/oauth2/token"
    ROWS="$work/oidc.md" \
      measure "$store" "$users" "hosted sign-in page (GET authorize)" -c8 -s bench/stats.lua "$BASE$authorize"
    BENCH_AUTHORIZE="$authorize" BENCH_CLIENT="$client" BENCH_REDIRECT="$redirect" BENCH_VERIFIER="$verifier" \
      BENCH_UPN="admin@scale.example" BENCH_PASSWORD="OpenStaff-Scale-2026!" WRK_THREADS=8 ROWS="$work/oidc.md" \
      measure "$store" "$users" "full authorization (page + password + code + token), flows/s" -c8 -s bench/oidc-flow.lua "$BASE/"
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
  done
done
[[ " $STORES " == *" postgres "* ]] && scripts/pg-test.sh stop
# The second factor's section, its goal (issue 13) judged from the code step's rows.
if [[ "$ONLY" == all || "$ONLY" == mfa ]]; then
  {
    echo "## Second factor at sign-in"
    echo
    echo "Run by \`$([[ "$ONLY" == mfa ]] && echo "BENCH_ONLY=mfa scripts/bench.sh" || echo "make bench")\` on $(date -u +%Y-%m-%d) — $(nproc) cores. bench/mfa.py signs staff"
    echo "members in on the hosted page as a browser does (page, password, then the authenticator"
    echo "app's code, computed from the enrolment secret), each person once (codes are single-use per"
    echo "30 s step); the same number of other staff members sign in with a password alone as the"
    echo "baseline. Latencies in ms, measured by the client (Python, keep-alive), so they include its"
    echo "own overhead. At 8 connections both cores are busy hashing the other sign-ins' passwords"
    echo "(Argon2id), so every step waits for a core."
    echo
    echo "| store | users | step | n | p50 | p95 | p99 | errors |"
    echo "|---|---|---|---|---|---|---|---|"
    cat "$work/mfa.md"
    echo
    python3 - "$work/mfa.md" <<'PY'
import sys
rows = [[c.strip() for c in l.strip().strip('|').split('|')] for l in open(sys.argv[1]) if l.startswith('|')]
print("Goal (issue 13): the code step adds at most 5 ms p99 to a sign-in (one connection, an idle server):")
for r in rows:
    if r[2].startswith('code step') and r[2].endswith(', 1 conn.'):
        p99 = float(r[6])
        print(f"- {r[0]} {r[1]}: p99 {p99:.2f} ms: {'met' if p99 <= 5 and r[7] == '0' else 'NOT met'}")
PY
    echo
  } > "$work/mfa-section.md"
  if [[ "$ONLY" == mfa ]]; then
    scripts/bench-section.py "$OUT" "$work/mfa-section.md"
    cat "$work/mfa-section.md"
    exit 0
  fi
fi
# The memory section, its goal (issue 15) judged from the peak.
if [[ "$ONLY" == all || "$ONLY" == memory ]]; then
  {
    echo "## Memory under a mix"
    echo
    echo "Run by \`$([[ "$ONLY" == memory ]] && echo "BENCH_ONLY=memory scripts/bench.sh" || echo "make bench")\` on $(date -u +%Y-%m-%d) — $(nproc) cores. The server's resident set (MiB) after"
    echo "reads alone, then during ${BENCH_MIX_SECONDS:-180} s of members pages (4 connections), password resets"
    echo "(2 connections: Argon2id, 19 MiB a hash) and phone changes (2 connections) side by side:"
    echo "the highest 5-second sample, the set at the end, and VmHWM (the peak over the server's life)."
    echo
    echo "| store | users | RSS after reads | RSS in the mix, highest | RSS at the end | VmHWM | reads/s | resets/s | phone changes/s | non-2xx |"
    echo "|---|---|---|---|---|---|---|---|---|---|"
    cat "$work/memory.md"
    echo
    python3 - "$work/memory.md" <<'PY'
import sys
rows = [[c.strip() for c in l.strip().strip('|').split('|')] for l in open(sys.argv[1]) if l.startswith('|')]
print("Goal (issue 15): under 128 MiB at 10k users under the mix (VmHWM), every answer 2xx:")
for r in rows:
    if r[1] == '10000':
        print(f"- {r[0]}: {r[5]} MiB: {'met' if int(r[5]) < 128 and r[9] == '0' else 'NOT met'}")
PY
    echo
  } > "$work/memory-section.md"
  if [[ "$ONLY" == memory ]]; then
    scripts/bench-section.py "$OUT" "$work/memory-section.md"
    cat "$work/memory-section.md"
    exit 0
  fi
fi
# The provider's section, with each goal of issue 11 judged from its rows.
{
  echo "## OpenID Connect provider"
  echo
  echo "Run by \`$([[ "$ONLY" == oidc ]] && echo "BENCH_ONLY=oidc scripts/bench.sh" || echo "make bench")\` on $(date -u +%Y-%m-%d) — $(nproc) cores. wrk, 2 threads, 8 connections, ${SECS} s each; latencies in ms."
  echo "The code exchange spends codes minted by \`openstaff bench-mint\` (through the store's own"
  echo "functions); refreshes chain, each answer's refresh token sent next on its connection; the"
  echo "sign-in page is a GET of the authorization endpoint without a session (its latency is the"
  echo "whole answer, a few kB, so it bounds the first byte); a full authorization is page, password,"
  echo "code and token, 8 threads of one connection each, its latencies those of whole flows."
  echo
  echo "| store | users | endpoint | req/s | p50 | p95 | p99 | errors |"
  echo "|---|---|---|---|---|---|---|---|"
  cat "$work/oidc.md"
  echo
  python3 - "$work/oidc.md" <<'PY'
import sys
rows = [[c.strip() for c in l.strip().strip('|').split('|')] for l in open(sys.argv[1]) if l.startswith('|')]
def num(v):
    try: return float(v)
    except ValueError: return None
out = []
for r in rows:
    store, users, label, rps, p99 = r[0], r[1], r[2], num(r[3]), num(r[6])
    if label.startswith('token:'):
        goal, ok = '>= 1,500 req/s', rps is not None and rps >= 1500
    elif label.startswith('hosted'):
        goal, ok = 'p99 <= 5 ms', p99 is not None and p99 <= 5
    else:
        continue
    out.append(f"- {store} {users}, {label}: goal {goal}: {'met' if ok else 'NOT met'}")
print("Goals (issue 11, 2 cores):")
print("\n".join(out))
PY
  echo
} > "$work/oidc-section.md"
if [[ "$ONLY" == oidc ]]; then
  # Only this section of the existing results changes.
  scripts/bench-section.py "$OUT" "$work/oidc-section.md"
  cat "$work/oidc-section.md"
  exit 0
fi
{
  if [[ -f "$work/bare.md" ]]; then
    echo
    echo "## Against bare actix-web"
    echo
    echo "The same reads against bench/bare: actix-web alone answering with the very bytes OpenStaff"
    echo "answered (same wrk settings), so the ratio is the cost of everything past the HTTP stack."
    echo
    echo "| store | users | endpoint | body bytes | OpenStaff req/s | bare actix req/s | ratio |"
    echo "|---|---|---|---|---|---|---|"
    cat "$work/bare.md"
  fi
  echo
  cat "$work/memory-section.md"
  cat "$work/oidc-section.md"
  cat "$work/mfa-section.md"
  echo "## Search index size"
  echo
  echo "The user search index on disk after \`seed scale\`, per user (scripts/index-size.py:"
  echo "SQLite's dbstat pages, PostgreSQL's pg_total_relation_size; tables with their indexes)."
  echo
  echo "| store | users | user_search_prefixes | user_search_terms | total |"
  echo "|---|---|---|---|---|"
  cat "$work/index.md"
  echo
  echo "## seed scale"
  echo
  echo "| store | users | seconds |"
  echo "|---|---|---|"
  cat "$work/seed.md"
} >> "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
# The directory sync's section (a Samba DC; needs root and samba).
scripts/bench-directory.sh >/dev/null
cat "$OUT"

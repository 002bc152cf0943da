#!/usr/bin/env bash
# A throw-away PostgreSQL server for the API tests (`make test-pg`), separate from
# any cluster on the machine: its own data folder, port and no durability (fsync
# off), since every test database is dropped anyway.
#
#   scripts/pg-test.sh start   # installs PostgreSQL from Debian if missing (CI), starts
#   scripts/pg-test.sh url     # prints the maintenance URL for OPENSTAFF_TEST_POSTGRES
#   scripts/pg-test.sh stop
#   scripts/pg-test.sh kill|resume   # an abrupt outage and the restart (outage test)
set -euo pipefail

PORT="${OPENSTAFF_TEST_PG_PORT:-55432}"
DATA="${OPENSTAFF_TEST_PG_DATA:-/tmp/openstaff-test-pg}"
URL="postgres://postgres@127.0.0.1:$PORT/postgres"

say() { echo "pg-test: $*" >&2; }

bindir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

as_postgres() {
  if [[ "$(id -un)" == postgres ]]; then "$@"; else runuser -u postgres -- "$@"; fi
}

ensure_installed() {
  if [[ -n "$(bindir)" && -x "$(bindir)/initdb" ]]; then
    return
  fi
  if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    say "installing PostgreSQL from Debian"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    return
  fi
  say "PostgreSQL is not installed. Install it with: sudo apt-get install -y postgresql"
  say "(the API tests on PostgreSQL need its initdb and pg_ctl; 'make test' runs them)"
  exit 1
}

case "${1:-}" in
  start)
    ensure_installed
    BIN="$(bindir)"
    if as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
      say "already running on port $PORT"
      exit 0
    fi
    rm -rf "$DATA"
    mkdir -p "$DATA"
    chown postgres: "$DATA" 2>/dev/null || true
    as_postgres "$BIN/initdb" -D "$DATA" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
    as_postgres "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 start \
      -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=300" >/dev/null
    say "running on port $PORT ($URL)"
    ;;
  stop)
    BIN="$(bindir)"
    if [[ -n "$BIN" ]]; then
      as_postgres "$BIN/pg_ctl" -D "$DATA" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$DATA"
    ;;
  url)
    echo "$URL"
    ;;
  kill)
    # Stops the server abruptly but keeps its data (outage tests).
    as_postgres "$(bindir)/pg_ctl" -D "$DATA" -m immediate stop >/dev/null
    ;;
  resume)
    as_postgres "$(bindir)/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 start \
      -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=300" >/dev/null
    ;;
  *)
    echo "usage: $0 start|stop|url|kill|resume" >&2
    exit 2
    ;;
esac

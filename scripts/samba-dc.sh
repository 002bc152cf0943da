#!/usr/bin/env bash
# A throw-away Samba Active Directory domain controller for tests and demos, on
# 127.0.0.1 (LDAP 389, LDAPS 636; SAMBA_DC_IP=127.0.0.N for another one beside it),
# with its own CA and a server certificate that names the address and localhost, so
# verified LDAPS works against the IP address.
#
#   scripts/samba-dc.sh install        install samba and ldap-utils when missing (apt)
#   scripts/samba-dc.sh start DIR      provision (once) and start a DC kept in DIR
#   scripts/samba-dc.sh stop DIR       stop it (the domain stays in DIR)
#   scripts/samba-dc.sh env DIR        print the OPENSTAFF_LDAP_* settings that reach it
#
# The domain is CORP.EXAMPLE (base DN DC=corp,DC=example) with the administrator
# password in DIR/admin-password. Samba needs root; the ports are fixed, so a second
# DC needs a second loopback address (added to lo when missing).
set -euo pipefail

REALM=CORP.EXAMPLE
DOMAIN=CORP
BASE_DN="DC=corp,DC=example"
ADMIN_PASSWORD="${SAMBA_ADMIN_PASSWORD:-Adm1n-Samba-2026!}"
IP="${SAMBA_DC_IP:-127.0.0.1}"

usage() { sed -n '2,13p' "$0" >&2; exit 2; }

install() {
  if command -v samba >/dev/null && command -v winbindd >/dev/null && command -v samba-tool >/dev/null && command -v ldapsearch >/dev/null; then
    return
  fi
  echo "samba-dc: installing samba and ldap-utils" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq samba winbind ldap-utils openssl >/dev/null
}

certs() { # DIR: a CA and a server certificate for 127.0.0.1 / localhost
  local t="$1/tls"
  [[ -f "$t/server.pem" ]] && return
  mkdir -p "$t"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=OpenStaff test CA" \
    -keyout "$t/ca.key" -out "$t/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout "$t/server.key" -out "$t/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:%s,DNS:localhost\nextendedKeyUsage=serverAuth\n' "$IP" > "$t/ext.cnf"
  openssl x509 -req -in "$t/server.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial \
    -days 3650 -extfile "$t/ext.cnf" -out "$t/server.pem" 2>/dev/null
  chmod 600 "$t/server.key" "$t/ca.key"
}

provision() { # DIR
  local d="$1"
  if [[ -f "$d/etc/smb.conf" ]]; then
    # smb.conf names its directories absolutely: a domain whose directory was moved
    # (a restored or renamed cache) cannot start, so it is made again.
    grep -qxF "	private dir = $d/private" "$d/etc/smb.conf" && return
    echo "samba-dc: $d was provisioned elsewhere; provisioning it again" >&2
    stop "$d"
    find "$d" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
  fi
  mkdir -p "$d"
  certs "$d"
  samba-tool domain provision --realm="$REALM" --domain="$DOMAIN" --server-role=dc \
    --dns-backend=NONE --use-rfc2307 --adminpass="$ADMIN_PASSWORD" --targetdir="$d" \
    --option="interfaces=$IP" --option="bind interfaces only=yes" --option="pid directory=$d/run" \
    --option="tls enabled=yes" \
    --option="tls keyfile=$d/tls/server.key" \
    --option="tls certfile=$d/tls/server.pem" \
    --option="tls cafile=$d/tls/ca.pem" >"$d/provision.log" 2>&1 \
    || { cat "$d/provision.log" >&2; exit 1; }
  printf '%s' "$ADMIN_PASSWORD" > "$d/admin-password"
  chmod 600 "$d/admin-password"
}

ready() { # DIR: a root-DSE read over verified LDAPS answers
  LDAPTLS_CACERT="$1/tls/ca.pem" ldapsearch -LLL -x -H "ldaps://$IP:636" \
    -D "Administrator@$REALM" -y "$1/admin-password" -s base -b "" dnsHostName >/dev/null 2>&1
}

start() { # DIR
  local d
  d="$(mkdir -p "$1" && cd "$1" && pwd)"
  install
  provision "$d"
  if [[ -f "$d/samba.pid" ]] && kill -0 "$(cat "$d/samba.pid")" 2>/dev/null; then
    ready "$d" && return
  fi
  if [[ "$IP" != 127.0.0.1 ]] && ! ip -o addr show dev lo | grep -q " $IP/"; then
    ip addr add "$IP/8" dev lo
  fi
  # A DC of this directory left behind by an earlier run holds the ports.
  pkill -f "samba -s $d/etc/smb.conf" 2>/dev/null && sleep 1 || true
  # So may a test DC of another directory (another checkout's target) on this address:
  # two cannot share the ports, so that one is stopped, and anything else is an error.
  local other owner
  other="$(ss -Hltnp "sport = :636 and src $IP" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2 || true)"
  if [[ -n "$other" ]]; then
    # Samba rewrites its command line; its open domain database names its directory.
    owner="$(for f in /proc/"$other"/fd/*; do readlink "$f"; done 2>/dev/null \
      | sed -n 's|^\(/.*/samba-dc-[^/]*\)/private/sam\.ldb$|\1|p' | head -1)"
    if [[ -n "$owner" ]]; then
      echo "samba-dc: stopping the test DC of $owner, which holds $IP:636" >&2
      stop "$owner"
      kill "$other" 2>/dev/null && sleep 1 || true
    else
      echo "samba-dc: $IP:636 is held by another program (pid $other)" >&2
      exit 1
    fi
  fi
  setsid samba -s "$d/etc/smb.conf" -i -M single >"$d/samba.log" 2>&1 < /dev/null &
  echo $! > "$d/samba.pid"
  for _ in $(seq 1 150); do
    ready "$d" && return
    kill -0 "$(cat "$d/samba.pid")" 2>/dev/null || { tail -20 "$d/samba.log" >&2; exit 1; }
    sleep 0.2
  done
  echo "samba-dc: the DC did not answer LDAPS within 30 s" >&2
  tail -20 "$d/samba.log" >&2
  exit 1
}

stop() { # DIR
  local d="$1" pid
  [[ -f "$d/samba.pid" ]] || return 0
  pid="$(cat "$d/samba.pid")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  # Samba's children (it forks a few even with -M single).
  pkill -f "samba -s $d/etc/smb.conf" 2>/dev/null || true
  rm -f "$d/samba.pid"
}

env_of() { # DIR
  local d
  d="$(cd "$1" && pwd)"
  cat <<EOF
OPENSTAFF_LDAP_URL=ldaps://$IP:636
OPENSTAFF_LDAP_BIND_DN=CN=Administrator,CN=Users,$BASE_DN
OPENSTAFF_LDAP_BIND_PASSWORD_FILE=$d/admin-password
OPENSTAFF_LDAP_BASE_DN=$BASE_DN
OPENSTAFF_LDAP_CA_FILE=$d/tls/ca.pem
EOF
}

case "${1:-}" in
  install) install ;;
  start) [[ $# -eq 2 ]] || usage; start "$2" ;;
  stop) [[ $# -eq 2 ]] || usage; stop "$2" ;;
  env) [[ $# -eq 2 ]] || usage; env_of "$2" ;;
  *) usage ;;
esac

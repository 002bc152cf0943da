#!/usr/bin/env python3
"""The second factor's cost at sign-in (issue 13: "a TOTP verification adds no more
than 5 ms p99 to a sign-in"), measured on the real server's hosted page.

Each staff member it uses gets an authenticator app first (the password grant, then
POST /me/authentication-methods/totp and its first code, computed here from the
secret: RFC 6238, HMAC-SHA1, 30 s). A sign-in is what a browser does: GET the
authorization endpoint (CSRF cookie and sealed request), POST the password to
/oauth2/sign-in, and, with an app, POST the code to /oauth2/verify-code, which
answers the redirect with the authorization code. The code step is the cost the
second factor adds; a password-only sign-in of other staff members, run the same
way, is the baseline. Codes are single-use per 30-second step, so every sign-in is a
different person's.

Prints one markdown table row per measurement ("| store | users | step | n | p50 |
p95 | p99 | errors |") on stdout; standard library only.

  mfa.py --base http://127.0.0.1:18180 --client ID --redirect URI --store sqlite \
         --users 10000 --admin admin@scale.example --password P
"""
import argparse
import base64
import hashlib
import hmac
import http.client
import json
import queue
import re
import secrets
import struct
import sys
import threading
import time
import urllib.parse

STEP = 30


def totp(secret_b32: str, step: int) -> str:
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    n = struct.unpack(">I", mac[off : off + 4])[0] & 0x7FFFFFFF
    return f"{n % 1_000_000:06d}"


class Conn:
    """One keep-alive connection, as a browser tab would hold."""

    def __init__(self, base: str):
        u = urllib.parse.urlparse(base)
        self.host, self.port = u.hostname, u.port
        self.c = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def send(self, method, path, body=None, headers=None):
        h = dict(headers or {})
        data = None
        if isinstance(body, dict):
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        elif isinstance(body, str):
            data = body.encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        t0 = time.perf_counter()
        try:
            self.c.request(method, path, body=data, headers=h)
            r = self.c.getresponse()
            payload = r.read()
        except (http.client.HTTPException, OSError):
            self.c.close()
            self.c = http.client.HTTPConnection(self.host, self.port, timeout=30)
            self.c.request(method, path, body=data, headers=h)
            r = self.c.getresponse()
            payload = r.read()
        ms = (time.perf_counter() - t0) * 1000
        return r, payload, ms


def field(html: str, name: str) -> str:
    m = re.search(r'name="%s" value="([^"]*)"' % re.escape(name), html)
    if not m:
        raise RuntimeError(f"no {name} field in the page")
    return m.group(1).replace("&amp;", "&").replace("&quot;", '"')


def cookie(resp, name):
    for k, v in resp.getheaders():
        if k.lower() == "set-cookie" and v.startswith(name + "="):
            return v.split(";", 1)[0]
    return None


def pct(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def staff(base, admin, password, want):
    """Up to `want` cloud staff members without an admin role, by UPN."""
    c = Conn(base)
    r, body, _ = c.send("POST", "/api/v1/auth/token", {"username": admin, "password": password})
    if r.status != 200:
        raise SystemExit(f"admin sign-in: {r.status} {body[:200]!r}")
    auth = {"Authorization": "Bearer " + json.loads(body)["access_token"]}
    found, cursor = [], None
    while len(found) < want:
        path = "/api/v1/users?limit=200" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else "")
        r, body, _ = c.send("GET", path, headers=auth)
        page = json.loads(body)
        for u in page["items"]:
            upn = u["user_principal_name"]
            if u.get("source") == "cloud" and not upn.startswith(("admin@", "manager.")):
                found.append(upn)
        cursor = page.get("next_cursor")
        if not cursor:
            break
    return found[:want]


def enrol(base, upns, password, threads=8):
    """Gives each an authenticator app: (upn, secret, step its first code used)."""
    todo, done, errors = queue.Queue(), [], []
    for u in upns:
        todo.put(u)

    def work():
        c = Conn(base)
        while True:
            try:
                upn = todo.get_nowait()
            except queue.Empty:
                return
            r, body, _ = c.send("POST", "/api/v1/auth/token", {"username": upn, "password": password})
            if r.status != 200:
                errors.append((upn, r.status))
                continue
            auth = {"Authorization": "Bearer " + json.loads(body)["access_token"]}
            r, body, _ = c.send("POST", "/api/v1/me/authentication-methods/totp", {"name": "Bench"}, auth)
            e = json.loads(body)
            step = int(time.time()) // STEP
            r, body, _ = c.send(
                "POST",
                f"/api/v1/me/authentication-methods/{e['id']}/verify",
                {"code": totp(e["secret"], step)},
                auth,
            )
            if r.status != 200:
                errors.append((upn, r.status))
                continue
            done.append((upn, e["secret"], step))

    ts = [threading.Thread(target=work) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        print(f"bench mfa: {len(errors)} enrolments failed: {errors[:3]}", file=sys.stderr)
    return done


def sign_ins(base, authorize, people, password, connections):
    """Signs each person in once on `connections` connections at a time; the
    latencies (ms) of the password step, the code step and whole sign-ins."""
    todo = queue.Queue()
    for p in people:
        todo.put(p)
    pw_ms, code_ms, whole_ms, errors = [], [], [], []
    lock = threading.Lock()

    def work():
        c = Conn(base)
        while True:
            try:
                upn, secret, used = todo.get_nowait()
            except queue.Empty:
                return
            t0 = time.perf_counter()
            r, body, _ = c.send("GET", authorize)
            jar = cookie(r, "openstaff_csrf")
            html = body.decode()
            form = {
                "request": field(html, "request"),
                "csrf": field(html, "csrf"),
                "username": upn,
                "password": password,
            }
            r, body, p_ms = c.send(
                "POST", "/oauth2/sign-in", urllib.parse.urlencode(form), {"Cookie": jar}
            )
            c_ms = None
            if secret is not None:
                if r.status != 200:
                    with lock:
                        errors.append(("password", r.status))
                    continue
                html = body.decode()
                # A code not used yet: this step's, or the next (the server accepts one
                # step either side) when enrolment spent this one.
                step = max(int(time.time()) // STEP, used + 1)
                form = {
                    "request": field(html, "request"),
                    "csrf": field(html, "csrf"),
                    "code": totp(secret, step),
                }
                r, body, c_ms = c.send(
                    "POST", "/oauth2/verify-code", urllib.parse.urlencode(form), {"Cookie": jar}
                )
            ok = r.status in (302, 303) and "code=" in (r.getheader("Location") or "")
            total = (time.perf_counter() - t0) * 1000
            with lock:
                if not ok:
                    errors.append(("code" if secret else "password", r.status))
                    continue
                pw_ms.append(p_ms)
                whole_ms.append(total)
                if c_ms is not None:
                    code_ms.append(c_ms)

    ts = [threading.Thread(target=work) for _ in range(connections)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return pw_ms, code_ms, whole_ms, errors


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--base", required=True)
    a.add_argument("--client", required=True)
    a.add_argument("--redirect", required=True)
    a.add_argument("--store", required=True)
    a.add_argument("--users", required=True)
    a.add_argument("--admin", required=True)
    a.add_argument("--password", required=True)
    a.add_argument("--count", type=int, default=150, help="sign-ins per measurement")
    args = a.parse_args()

    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    authorize = "/oauth2/authorize?" + urllib.parse.urlencode(
        {
            "client_id": args.client,
            "redirect_uri": args.redirect,
            "response_type": "code",
            "scope": "openid",
            "state": "bench",
            "nonce": "bench",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    n = args.count
    # 1 connection (the cost on an idle server), then 8 (both cores busy hashing
    # the other sign-ins' passwords): each person signs in once.
    plan = [(1, n), (8, 2 * n)]
    need = sum(k for _, k in plan)
    people = staff(args.base, args.admin, args.password, 2 * need)
    if len(people) < 2 * need:
        raise SystemExit(f"bench mfa: only {len(people)} staff members, {2 * need} needed")
    with_app = enrol(args.base, people[:need], args.password)
    plain = [(u, None, 0) for u in people[need:]]
    row = lambda step, conns, ms, errs: print(
        f"| {args.store} | {args.users} | {step}, {conns} conn. | {len(ms)} | "
        f"{pct(ms, 50):.2f} | {pct(ms, 95):.2f} | {pct(ms, 99):.2f} | {len(errs)} |",
        flush=True,
    )
    at = 0
    for conns, k in plan:
        pw, code, whole, errs = sign_ins(args.base, authorize, with_app[at : at + k], args.password, conns)
        base_pw, _, base_whole, base_errs = sign_ins(args.base, authorize, plain[at : at + k], args.password, conns)
        at += k
        row("code step (POST /oauth2/verify-code)", conns, code, errs)
        row("password step, with an app", conns, pw, [])
        row("password step, password only", conns, base_pw, base_errs)
        row("whole sign-in, password + code", conns, whole, [])
        row("whole sign-in, password only", conns, base_whole, [])


if __name__ == "__main__":
    main()

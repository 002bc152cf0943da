import { expect, type APIRequestContext } from '@playwright/test';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { auth, tokenFor } from './api';
import { admin } from './demo';

/**
 * A tiny relying party, as a real application would be: it signs people in with
 * openid-client (the certified RP library) against the running OpenStaff, with
 * nothing relaxed but plain http on the loopback address.
 *
 *   GET /start      → redirect to OpenStaff's authorization endpoint (code + PKCE S256)
 *   GET /callback   → code exchange, ID-token validation, userinfo; "Signed in as …"
 *   GET /signed-out → where OpenStaff sends people after signing out
 */
export interface SignIn {
  tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers;
  claims: client.IDToken;
  userinfo: client.UserInfoResponse;
}

export interface TestRp {
  url: string;
  clientId: string;
  config: client.Configuration;
  signIns: SignIn[];
  close(): Promise<void>;
}

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><main>${body}</main></body></html>`;

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * `adminToken`: a Global Administrator's token to register it with; by default the
 * demo admin's from the password grant (servers without the admin MFA policy).
 */
export async function startRp(
  request: APIRequestContext,
  issuer: string,
  name: string,
  adminToken?: string,
): Promise<TestRp> {
  const pending = new Map<string, { verifier: string; nonce: string }>();
  const signIns: SignIn[] = [];
  let config: client.Configuration | undefined;
  let base = '';

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', base);
    try {
      if (url.pathname === '/start' && config) {
        const verifier = client.randomPKCECodeVerifier();
        const state = client.randomState();
        const nonce = client.randomNonce();
        pending.set(state, { verifier, nonce });
        const to = client.buildAuthorizationUrl(config, {
          redirect_uri: `${base}/callback`,
          scope: 'openid profile email offline_access',
          code_challenge: await client.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          state,
          nonce,
        });
        res.writeHead(302, { location: to.href }).end();
      } else if (url.pathname === '/callback' && config) {
        const state = url.searchParams.get('state') ?? '';
        const p = pending.get(state);
        if (!p) throw new Error(`unknown state ${state}`);
        pending.delete(state);
        const tokens = await client.authorizationCodeGrant(config, url, {
          pkceCodeVerifier: p.verifier,
          expectedState: state,
          expectedNonce: p.nonce,
          idTokenExpected: true,
        });
        const claims = tokens.claims();
        if (!claims) throw new Error('no ID token');
        const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
        signIns.push({ tokens, claims, userinfo });
        res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end(page(name, `<h1>Signed in as ${escape(String(userinfo.name))}</h1>`));
      } else if (url.pathname === '/signed-out') {
        res
          .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
          .end(page(name, `<h1>Signed out of ${escape(name)}</h1><p id="state">${escape(url.searchParams.get('state') ?? '')}</p>`));
      } else {
        res.writeHead(404).end();
      }
    } catch (e) {
      res
        .writeHead(500, { 'content-type': 'text/html; charset=utf-8' })
        .end(page(name, `<h1>Sign-in failed</h1><pre>${escape(String(e))}</pre>`));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // Registered by a Global Administrator through the API.
  const token = adminToken ?? (await tokenFor(request, admin.upn));
  const created = await request.post('/api/v1/applications', {
    headers: auth(token),
    data: {
      display_name: name,
      start_url: `${base}/start`,
      redirect_uris: [`${base}/callback`],
      post_logout_redirect_uris: [`${base}/signed-out`],
    },
  });
  expect(created.status(), 'register the test application').toBe(201);
  const app = await created.json();

  config = await client.discovery(
    new URL(issuer),
    app.client_id,
    undefined,
    client.ClientSecretBasic(app.client_secret),
    // The only relaxation: plain http, because the test server is on 127.0.0.1.
    { execute: [client.allowInsecureRequests] },
  );
  return {
    url: base,
    clientId: app.client_id,
    config,
    signIns,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

import { expect, test, type Page } from '@playwright/test';
import { HostedSignInPage } from '../pages/hosted-sign-in-page';
import { auth, tokenFor } from '../support/api';
import { expectAccessible } from '../support/axe';
import { sam } from '../support/demo';
import { startRp, type TestRp } from '../support/rp';

/**
 * Passkeys in Chromium, with its virtual authenticator (CDP `WebAuthn`): a platform
 * authenticator that keeps discoverable credentials and verifies its user. The
 * server is reached at `http://localhost:PORT` (WebAuthn refuses an IP address).
 */
async function virtualAuthenticator(page: Page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

/**
 * Registers a passkey for the holder of `token` as a browser does: the API's options
 * to `navigator.credentials.create()`, its credential back to the API. Answers the
 * registration's HTTP status.
 */
async function registerPasskey(page: Page, token: string): Promise<number> {
  return page.evaluate(async (headers) => {
    const b64 = (buf: ArrayBuffer) =>
      btoa(String.fromCharCode(...new Uint8Array(buf)))
        .replace(/\+/g, '-')
        .replace(/\//g, '_')
        .replace(/=+$/, '');
    const unb64 = (s: string) =>
      Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)).buffer;
    const post = (path: string, body: unknown) =>
      fetch(path, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const answer = await (await post('/api/v1/me/authentication-methods/passkey/options', {})).json();
    const pk = answer.options.publicKey;
    pk.challenge = unb64(pk.challenge);
    pk.user.id = unb64(pk.user.id);
    for (const c of pk.excludeCredentials ?? []) c.id = unb64(c.id);
    const cred = (await navigator.credentials.create({ publicKey: pk })) as PublicKeyCredential;
    const r = cred.response as AuthenticatorAttestationResponse;
    const res = await post('/api/v1/me/authentication-methods/passkey', {
      ceremony: answer.ceremony,
      name: 'This browser',
      credential: {
        id: cred.id,
        rawId: b64(cred.rawId),
        type: cred.type,
        response: {
          clientDataJSON: b64(r.clientDataJSON),
          attestationObject: b64(r.attestationObject),
        },
        extensions: cred.getClientExtensionResults(),
      },
    });
    return res.status;
  }, auth(token));
}

test.describe('passkeys', () => {
  let rp: TestRp;

  test.beforeEach(async ({ request, baseURL }) => {
    rp = await startRp(request, baseURL!, 'Rota (passkeys)');
  });

  test.afterEach(async () => {
    await rp.close();
  });

  test('a passkey registered in the browser signs in alone on the hosted page, amr hwk user mfa', async ({
    page,
    request,
    baseURL,
  }) => {
    expect(baseURL).toMatch(/^http:\/\/localhost:/);
    const { cdp, authenticatorId } = await virtualAuthenticator(page);

    // Registration, from a page of OpenStaff's own origin (a document the SPA's own
    // sign-in redirect leaves alone).
    const token = await tokenFor(request, sam.upn);
    await page.goto('/.well-known/openid-configuration');
    expect(await registerPasskey(page, token)).toBe(201);
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0].isResidentCredential).toBe(true);
    const listed = await request.get('/api/v1/me/authentication-methods', { headers: auth(token) });
    expect((await listed.json()).items.map((m: { kind: string }) => m.kind)).toEqual(['passkey']);

    // Sign-in: the application sends Sam to the hosted page; no name, no password.
    await page.goto(`${rp.url}/start`);
    const hosted = new HostedSignInPage(page);
    await hosted.expectVisible('Rota (passkeys)');
    const button = page.getByRole('button', { name: 'Sign in with a passkey' });
    await expect(button).toBeVisible();
    await expectAccessible(page);
    await button.click();
    await expect(page.getByRole('heading', { name: `Signed in as ${sam.displayName}` })).toBeVisible();

    const signIn = rp.signIns[0];
    expect(signIn.claims.preferred_username).toBe(sam.upn);
    expect(signIn.claims.amr).toEqual(['hwk', 'user', 'mfa']);
    expect(Math.abs(Date.now() / 1000 - Number(signIn.claims.auth_time))).toBeLessThan(120);

    // The counter moved on and the method says when it was used.
    const after = await request.get('/api/v1/me/authentication-methods', { headers: auth(token) });
    expect((await after.json()).items[0].last_used_at).toBeTruthy();
  });
});

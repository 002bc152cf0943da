import { expect, test, type Page } from '@playwright/test';
import { HomePage } from '../pages/home-page';
import { HostedSignInPage } from '../pages/hosted-sign-in-page';
import { SignInPage } from '../pages/sign-in-page';
import { auth, tokenFor, userId } from '../support/api';
import { expectAccessible } from '../support/axe';
import { maria, sam, targets } from '../support/demo';
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

  test('a staff member who lost her phone signs in with a Temporary Access Pass, adds a passkey on My account, then signs in with it alone; the pass is spent', async ({
    page,
    request,
  }) => {
    const lea = targets.desktop.cloud;
    const { cdp, authenticatorId } = await virtualAuthenticator(page);

    // Her manager gives her a pass (the manager's screens: strong-sign-in.security.spec.ts).
    const manager = await tokenFor(request, maria.upn);
    const id = await userId(request, manager, lea.upn);
    const issued = await request.post(`/api/v1/users/${id}/temporary-access-pass`, {
      headers: auth(manager),
      data: {},
    });
    expect(issued.status()).toBe(201);
    const pass: string = (await issued.json()).pass;

    // She types it where the password goes, and is on My account: no code, no
    // forced change.
    const signIn = new SignInPage(page);
    await signIn.goto();
    await signIn.signIn(lea.upn, pass);
    const home = new HomePage(page);
    await home.expectSignedInAs(lea.name);

    // She adds a passkey; the device (here Chromium's virtual one) holds it.
    await home.security.getByRole('button', { name: 'Add a passkey' }).click();
    const form = home.security.getByRole('form', { name: 'Add a passkey' });
    await form.getByLabel('Name').fill('Work phone');
    await expectAccessible(page);
    await form.getByRole('button', { name: 'Create passkey' }).click();
    await expect(home.security.getByRole('status').filter({ hasText: 'Passkey added.' })).toBeVisible();
    const methods = home.security.getByRole('list', { name: 'Your sign-in methods' }).getByRole('listitem');
    await expect(methods).toHaveCount(1);
    await expect(methods.first()).toContainText('Work phone');
    await expect(methods.first()).toContainText('Passkey');
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0].isResidentCredential).toBe(true);
    await expectAccessible(page);

    // Later, signed out and with nothing of the session left: the passkey alone.
    await home.signOut.click();
    await expect(home.signOut).toHaveCount(0);
    await page.context().clearCookies();
    await page.goto(`${rp.url}/start`);
    const hosted = new HostedSignInPage(page);
    await hosted.expectVisible('Rota (passkeys)');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await expect(page.getByRole('heading', { name: `Signed in as ${lea.name}` })).toBeVisible();
    expect(rp.signIns[0].claims.preferred_username).toBe(lea.upn);
    expect(rp.signIns[0].claims.amr).toEqual(['hwk', 'user', 'mfa']);

    // The pass was for one sign-in: now it is a wrong password.
    await page.context().clearCookies();
    await page.goto(`${rp.url}/start`);
    await hosted.signIn(lea.upn, pass);
    await expect(hosted.alert).toContainText("don't match");
    await expect(page.locator('body')).not.toContainText(pass);
  });
});

import { expect, test } from '@playwright/test';
import * as client from 'openid-client';
import { HostedSignInPage } from '../pages/hosted-sign-in-page';
import { expectAccessible } from '../support/axe';
import { DEMO_PASSWORD, sarah } from '../support/demo';
import { startRp, type TestRp } from '../support/rp';

/** An OAuth error answered by the token endpoint, as openid-client reports it. */
async function expectInvalidGrant(p: Promise<unknown>) {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'the token endpoint refuses').toBeInstanceOf(client.ResponseBodyError);
  expect((err as client.ResponseBodyError).error).toBe('invalid_grant');
}

test.describe('an application signing in with OpenStaff (openid-client)', () => {
  let rp: TestRp;

  test.beforeEach(async ({ request, baseURL }, testInfo) => {
    rp = await startRp(request, baseURL!, `Rota (${testInfo.project.name})`);
  });

  test.afterEach(async () => {
    await rp.close();
  });

  test('discovery, the hosted page, code + PKCE, ID token, userinfo, refresh, revocation and logout', async ({
    page,
    baseURL,
  }, testInfo) => {
    const meta = rp.config.serverMetadata();
    expect(meta.issuer).toBe(baseURL);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);

    // Authorization through the hosted page in Chromium.
    await page.goto(`${rp.url}/start`);
    const hosted = new HostedSignInPage(page);
    await hosted.expectVisible(`Rota (${testInfo.project.name})`);
    await expectAccessible(page);
    await hosted.signIn(sarah.upn, 'not her password');
    await expect(hosted.alert).toContainText("don't match");
    await expectAccessible(page);
    await hosted.signIn(sarah.upn, DEMO_PASSWORD);
    await expect(page.getByRole('heading', { name: `Signed in as ${sarah.name}` })).toBeVisible();

    // openid-client validated the ID token (signature, iss, aud, exp, nonce) and
    // fetched userinfo for the same subject.
    const first = rp.signIns[0];
    expect(first.claims.iss).toBe(baseURL);
    expect(first.claims.aud).toBe(rp.clientId);
    expect(first.claims.preferred_username).toBe(sarah.upn);
    expect(first.claims.amr).toEqual(['pwd']);
    expect(first.userinfo.sub).toBe(first.claims.sub);
    expect(first.tokens.refresh_token).toBeTruthy();

    // Refresh rotates; the rotated token used again ends the whole family.
    const refreshed = await client.refreshTokenGrant(rp.config, first.tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(first.tokens.refresh_token);
    // No new ID token on refresh (OpenID Connect Core 12.2 allows it: the sign-in it
    // describes has not changed); the new access token is good at userinfo.
    expect(refreshed.id_token).toBeUndefined();
    expect(refreshed.claims()).toBeUndefined();
    const info = await client.fetchUserInfo(rp.config, refreshed.access_token, first.claims.sub);
    expect(info.sub).toBe(first.claims.sub);
    await expectInvalidGrant(client.refreshTokenGrant(rp.config, first.tokens.refresh_token!));
    await expectInvalidGrant(client.refreshTokenGrant(rp.config, refreshed.refresh_token!));

    // Single sign-on: the next sign-in needs no password.
    await page.goto(`${rp.url}/start`);
    await expect(page.getByRole('heading', { name: `Signed in as ${sarah.name}` })).toBeVisible();
    const second = rp.signIns[1];
    expect(second.claims.sid).toBe(first.claims.sid);

    // Revocation ends the refresh token.
    await client.tokenRevocation(rp.config, second.tokens.refresh_token!);
    await expectInvalidGrant(client.refreshTokenGrant(rp.config, second.tokens.refresh_token!));

    // RP-initiated logout back to the application, then the hosted page again.
    const logout = client.buildEndSessionUrl(rp.config, {
      id_token_hint: second.tokens.id_token!,
      post_logout_redirect_uri: `${rp.url}/signed-out`,
      state: 'bye',
    });
    await page.goto(logout.href);
    await expect(page.getByRole('heading', { name: /^Signed out of Rota/ })).toBeVisible();
    await expect(page.locator('#state')).toHaveText('bye');
    await page.goto(`${rp.url}/start`);
    await hosted.expectVisible(`Rota (${testInfo.project.name})`);
  });
});

import { expect, test } from '@playwright/test';
import { HomePage } from '../pages/home-page';
import { SignInPage } from '../pages/sign-in-page';
import { expectAccessible } from '../support/axe';
import { admin, DEMO_PASSWORD } from '../support/demo';

test.describe('session', () => {
  test('every API call says it comes from My Staff', async ({ page }) => {
    const surfaces: (string | undefined)[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/')) {
        surfaces.push(r.headers()['x-openstaff-surface']);
      }
    });
    const signIn = new SignInPage(page);
    await signIn.goto();
    await signIn.signIn(admin.upn, DEMO_PASSWORD);
    await new HomePage(page).expectSignedInAs(admin.displayName);
    await expect(new HomePage(page).locations.first()).toBeVisible();

    expect(surfaces.length).toBeGreaterThanOrEqual(3);
    expect(surfaces.every((s) => s === 'my-staff')).toBe(true);
  });

  test('a reload keeps the tab signed in; the tokens never touch localStorage', async ({
    page,
  }) => {
    const signIn = new SignInPage(page);
    const home = new HomePage(page);
    await signIn.goto();
    await signIn.signIn(admin.upn, DEMO_PASSWORD);
    await home.expectSignedInAs(admin.displayName);

    await page.reload();
    await home.expectSignedInAs(admin.displayName);

    const stored = await page.evaluate(() => ({
      local: window.localStorage.length,
      session: window.sessionStorage.length,
    }));
    expect(stored.local).toBe(0);
    expect(stored.session).toBeGreaterThan(0);
  });

  test('signing out ends the OpenStaff session: the home page asks for the password again', async ({
    page,
  }) => {
    const signIn = new SignInPage(page);
    const home = new HomePage(page);
    await signIn.goto();
    await signIn.signIn(admin.upn, DEMO_PASSWORD);
    await home.expectSignedInAs(admin.displayName);

    await home.signOut.click();
    await expect(page).toHaveURL(/\/signed-out$/);
    await expect(page.getByRole('heading', { level: 1, name: "You've signed out" })).toBeVisible();
    await expect(home.signOut).toHaveCount(0);
    await expectAccessible(page);
    expect(await page.evaluate(() => window.sessionStorage.length)).toBe(0);

    // Not signed in again silently: the provider session is over.
    await page.goto('/');
    await signIn.expectVisible();
  });

  test('a signed-in browser opens the web app without the password (single sign-on)', async ({
    page,
  }) => {
    const signIn = new SignInPage(page);
    const home = new HomePage(page);
    await signIn.goto();
    await signIn.signIn(admin.upn, DEMO_PASSWORD);
    await home.expectSignedInAs(admin.displayName);

    // A new tab of the same browser: nothing in its sessionStorage, but the provider
    // session (its cookie) signs it in without asking, and it lands where it was sent.
    const tab = await page.context().newPage();
    await tab.goto('/audit');
    await expect(tab).toHaveURL(/\/audit$/);
    await expect(tab.getByRole('button', { name: 'Sign out' })).toBeVisible();
    await tab.close();
  });

  test('an expired access token is renewed with the refresh token, once, as the page needs it', async ({
    page,
  }) => {
    const signIn = new SignInPage(page);
    const home = new HomePage(page);
    await signIn.goto();
    await signIn.signIn(admin.upn, DEMO_PASSWORD);
    await home.expectSignedInAs(admin.displayName);
    const before = await page.evaluate(() => window.sessionStorage.getItem('openstaff.access_token'));

    // As if the tab had been left for the token's lifetime: it says it has expired.
    await page.evaluate(() => window.sessionStorage.setItem('openstaff.expires_at', '0'));
    const refreshes: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/oauth2/token')) refreshes.push(r.postData() ?? '');
    });
    await page.reload();
    await home.expectSignedInAs(admin.displayName);
    await expect(home.locations.first()).toBeVisible();

    // Several requests needed a fresh token; one renewal served them all.
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]).toContain('grant_type=refresh_token');
    const after = await page.evaluate(() => window.sessionStorage.getItem('openstaff.access_token'));
    expect(after).not.toBe(before);
  });

  test('a rejected token sends the user back to sign in', async ({ page }) => {
    const signIn = new SignInPage(page);
    // A token the server never issued, as if it had expired or been revoked.
    await page.addInitScript(() => {
      window.sessionStorage.setItem('openstaff.access_token', 'not-a-real-token');
    });

    await page.goto('/');

    await signIn.expectVisible();
  });
});

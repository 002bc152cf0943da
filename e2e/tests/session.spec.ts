import { expect, test } from '@playwright/test';
import { HomePage } from '../pages/home-page';
import { SignInPage } from '../pages/sign-in-page';
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

  test('a reload keeps the tab signed in; the token never touches localStorage', async ({
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

  test('signing out returns to sign in and the home page stays closed', async ({ page }) => {
    const signIn = new SignInPage(page);
    const home = new HomePage(page);
    await signIn.goto();
    await signIn.signIn(admin.upn, DEMO_PASSWORD);
    await home.expectSignedInAs(admin.displayName);

    await home.signOut.click();
    await signIn.expectVisible();
    await expect(home.signOut).toHaveCount(0);

    await page.goto('/');
    await signIn.expectVisible();
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

import { expect, test } from '@playwright/test';
import { HomePage } from '../pages/home-page';
import { SignInPage } from '../pages/sign-in-page';
import { expectAccessible } from '../support/axe';
import { admin, DEMO_PASSWORD, maria, sam, tom } from '../support/demo';

test.describe('sign in', () => {
  test('the demo admin signs in and sees their name, roles and locations', async ({ page }) => {
    const signIn = new SignInPage(page);
    const home = new HomePage(page);

    // No token yet: the home page sends us to sign in.
    await page.goto('/');
    await signIn.expectVisible();

    await signIn.signIn(admin.upn, DEMO_PASSWORD);

    await home.expectSignedInAs(admin.displayName);
    await expect(page.getByText(admin.upn)).toBeVisible();
    await expect(home.role('Global Administrator — whole directory')).toBeVisible();
    // A directory-wide admin looks after every location.
    await expect(home.location('Store 012 · Lyon Part-Dieu')).toBeVisible();
    await expect(home.locations.first()).toContainText(/\d+ members?/);
    await expectAccessible(page);
  });

  test('a wrong password shows a clear message, not raw JSON', async ({ page }) => {
    const signIn = new SignInPage(page);
    await signIn.goto();

    await signIn.signIn(tom.upn, 'not-the-password');

    await expect(signIn.alert).toHaveText("That username and password don't match.");
    await expect(signIn.alert).not.toContainText('{');
    await signIn.expectVisible();
    await expectAccessible(page);
  });

  test('an empty form asks for both fields without calling the server', async ({ page }) => {
    const signIn = new SignInPage(page);
    await signIn.goto();
    let calls = 0;
    page.on('request', (r) => {
      if (r.url().includes('/api/')) calls += 1;
    });

    await signIn.submit.click();

    await expect(signIn.alert).toHaveText('Enter your username and password.');
    expect(calls).toBe(0);
  });

  test('a store manager sees only her roles and stores', async ({ page }) => {
    const signIn = new SignInPage(page);
    const home = new HomePage(page);
    await signIn.goto();

    await signIn.signIn(maria.upn, DEMO_PASSWORD);

    await home.expectSignedInAs(maria.displayName);
    await expect(
      home.role('Authentication Administrator — Store 012 · Lyon Part-Dieu'),
    ).toBeVisible();
    await expect(home.location('Store 012 · Lyon Part-Dieu')).toBeVisible();
    await expect(home.location('Store 027 · Paris Bastille')).toBeVisible();
    await expect(home.locations).toHaveCount(2);
  });

  test('someone without an administrator role is told so, without an error', async ({ page }) => {
    const signIn = new SignInPage(page);
    const home = new HomePage(page);
    await signIn.goto();

    await signIn.signIn(sam.upn, DEMO_PASSWORD);

    await home.expectSignedInAs(sam.displayName);
    await expect(page.getByText("You don't hold an administrator role")).toBeVisible();
    await expect(page.getByText("You don't hold any administrator roles.")).toBeVisible();
    await expect(page.getByText('No locations to show.')).toBeVisible();
    await expect(page.getByRole('alert')).toHaveCount(0);
  });
});

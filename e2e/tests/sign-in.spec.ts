import { expect, test } from '@playwright/test';
import { HomePage } from '../pages/home-page';
import { SignInPage } from '../pages/sign-in-page';
import { auth, tokenFor } from '../support/api';
import { expectAccessible } from '../support/axe';
import { admin, DEMO_PASSWORD, maria, sam, tom } from '../support/demo';

test.describe('sign in', () => {
  test('the demo admin signs in and sees their name, roles and locations', async ({ page }) => {
    const signIn = new SignInPage(page);
    const home = new HomePage(page);

    // No session yet: the home page sends us to OpenStaff's sign-in page.
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

  test('a wrong password shows a clear message on the sign-in page, not raw JSON', async ({
    page,
  }) => {
    const signIn = new SignInPage(page);
    await signIn.goto();

    await signIn.signIn(tom.upn, 'not-the-password');

    await expect(signIn.alert).toContainText("That sign-in name and password don't match.");
    await expect(signIn.alert).not.toContainText('{');
    await signIn.expectVisible();
    await expectAccessible(page);
  });

  test('an empty form is not sent', async ({ page }) => {
    const signIn = new SignInPage(page);
    await signIn.goto();
    let posts = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST') posts += 1;
    });

    await signIn.submit.click();

    // Both fields are required: the browser says so and nothing reaches the server.
    await expect(signIn.username).toBeFocused();
    expect(await signIn.username.evaluate((e: HTMLInputElement) => e.validity.valueMissing)).toBe(
      true,
    );
    await signIn.expectVisible();
    expect(posts).toBe(0);
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
    // My Staff is one of her applications.
    await expect(home.application('My Staff')).toHaveAttribute('href', '/locations');
  });

  test('someone without an administrator role lands on My account, without an error', async ({
    page,
    request,
  }, info) => {
    // An application everyone may use, with a start URL: it is on everyone's account.
    const name = `Staff rota (${info.project.name})`;
    const created = await request.post('/api/v1/applications', {
      headers: auth(await tokenFor(request, admin.upn)),
      data: {
        display_name: name,
        start_url: 'https://rota.contoso.example/start',
        redirect_uris: ['https://rota.contoso.example/callback'],
      },
    });
    expect(created.status()).toBe(201);
    const signIn = new SignInPage(page);
    const home = new HomePage(page);
    await signIn.goto();

    await signIn.signIn(sam.upn, DEMO_PASSWORD);

    await home.expectSignedInAs(sam.displayName);
    await expect(home.application(name)).toHaveAttribute(
      'href',
      'https://rota.contoso.example/start',
    );
    await expect(home.application('My Staff')).toHaveCount(0);
    await expect(home.security.getByRole('link', { name: 'Change your password' })).toBeVisible();
    await expect(home.roles).toHaveCount(0);
    await expect(page.getByText("My Staff isn't available to you")).toHaveCount(0);
    await expect(page.getByRole('alert')).toHaveCount(0);
    await expectAccessible(page);
  });
});

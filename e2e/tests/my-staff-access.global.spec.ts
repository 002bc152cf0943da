import { expect, test } from '@playwright/test';
import { HomePage } from '../pages/home-page';
import { SignInPage } from '../pages/sign-in-page';
import { auth, tokenFor, userId } from '../support/api';
import { expectAccessible } from '../support/axe';
import { admin, DEMO_PASSWORD, hannah, maria, omar, tom } from '../support/demo';

// Changes the tenant-wide My Staff setting, so it runs in the `global-*` projects,
// after every other test, one at a time (see playwright.config.ts), and restores it.
test.describe.configure({ mode: 'serial' });

test('someone My Staff is not turned on for gets a clear page', async ({ page, request }) => {
  const token = await tokenFor(request, admin.upn);
  const original = await (
    await request.get('/api/v1/settings/my-staff', { headers: auth(token) })
  ).json();
  const others = await Promise.all(
    [admin.upn, maria.upn, tom.upn, hannah.upn].map((upn) => userId(request, token, upn)),
  );
  const put = await request.put('/api/v1/settings/my-staff', {
    headers: auth(token),
    data: { access: 'selected', selected_user_ids: others },
  });
  expect(put.ok()).toBeTruthy();
  try {
    const signIn = new SignInPage(page);
    await signIn.goto();
    await signIn.signIn(omar.upn, DEMO_PASSWORD);
    await new HomePage(page).expectSignedInAs(omar.displayName);
    await expect(page.getByText("My Staff isn't turned on for your account")).toBeVisible();

    await page.goto('/locations');
    await expect(
      page.getByRole('heading', { level: 1, name: "My Staff isn't available to you" }),
    ).toBeVisible();
    await expect(page.getByRole('alert')).toHaveCount(0);
    await expectAccessible(page);
  } finally {
    const restored = await request.put('/api/v1/settings/my-staff', {
      headers: auth(token),
      data: original,
    });
    expect(restored.ok()).toBeTruthy();
  }
});

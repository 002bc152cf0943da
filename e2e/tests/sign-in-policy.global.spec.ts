import { expect, test } from '@playwright/test';
import { AdminAccessPage, signInAs } from '../pages/admin-pages';
import { HostedSignInPage } from '../pages/hosted-sign-in-page';
import { SignInPage } from '../pages/sign-in-page';
import { auth, tokenFor } from '../support/api';
import { expectAccessible } from '../support/axe';
import { admin, DEMO_PASSWORD, sam } from '../support/demo';

// Changes the tenant-wide sign-in policy, so it runs in the `global-*` projects (one
// at a time, after everything else) and always turns it off again.
test.describe.configure({ mode: 'serial' });

test('a global administrator asks a second factor of everyone: a staff member is walked through adding an authenticator app', async ({
  page,
  browser,
  request,
}) => {
  // Before the policy: the password grant still serves the admin, for the clean-up.
  const token = await tokenFor(request, admin.upn);
  await signInAs(page, admin.upn, DEMO_PASSWORD);
  const access = new AdminAccessPage(page);
  try {
    await access.goto();
    await expect(access.mfaForEveryone).not.toBeChecked();
    await access.mfaForEveryone.check();
    await expectAccessible(page);
    await access.saveSignIn.click();
    await expect(access.signIn.getByText('Saved. Everyone signs in with a second factor')).toBeVisible();
    await access.goto();
    await expect(access.mfaForEveryone).toBeChecked();

    // Sam holds no role: his password alone no longer lets him in.
    const other = await browser.newContext();
    const staff = await other.newPage();
    try {
      const signIn = new SignInPage(staff);
      await signIn.goto();
      await signIn.signIn(sam.upn, DEMO_PASSWORD);
      const hosted = new HostedSignInPage(staff);
      await expect(hosted.enrolHeading).toBeVisible();
      await expect(staff.getByText('Your organisation asks for a second factor at sign-in.')).toBeVisible();
      await expect(staff.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible();
      await expectAccessible(staff);
    } finally {
      await other.close();
    }

    await access.mfaForEveryone.uncheck();
    await access.saveSignIn.click();
    await expect(access.signIn.getByText('Saved. Only administrators must sign in with a second factor.')).toBeVisible();
  } finally {
    const restored = await request.put('/api/v1/settings/sign-in', {
      headers: auth(token),
      data: { mfa_for_everyone: false },
    });
    expect(restored.ok()).toBeTruthy();
  }
});

import { expect, test } from '@playwright/test';
import { ChangePasswordPage } from '../pages/change-password-page';
import { HomePage } from '../pages/home-page';
import { HostedSignInPage } from '../pages/hosted-sign-in-page';
import { SignInPage } from '../pages/sign-in-page';
import { auth, tokenFor } from '../support/api';
import { expectAccessible } from '../support/axe';
import { admin } from '../support/demo';

// A new starter's first day: the temporary password, the forced change on the
// sign-in page, their account, then a change of their own that signs them out
// everywhere until they sign in with it.
test('a new starter signs in, chooses a password, and later changes it from My account', async ({
  page,
  request,
}, info) => {
  const upn = `new.starter.${info.project.name}.${Date.now()}@contoso.example`;
  const headers = auth(await tokenFor(request, admin.upn));
  const created = await request.post('/api/v1/users', {
    headers,
    data: {
      user_principal_name: upn,
      display_name: 'Noor Starter',
      source: 'cloud',
      password: 'Initial-Granite-Falls-61',
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const id: string = (await created.json()).id;
  // Their manager hands them a temporary password.
  const reset = await request.post(`/api/v1/users/${id}/reset-password`, { headers, data: {} });
  expect(reset.status(), await reset.text()).toBe(200);
  const temporary: string = (await reset.json()).temporary_password;
  expect(temporary).toBeTruthy();

  const signIn = new SignInPage(page);
  const hosted = new HostedSignInPage(page);
  const home = new HomePage(page);
  await signIn.goto();
  await signIn.signIn(upn, temporary);
  const first = 'Copper-Kettle-Window-83';
  await hosted.changePassword(first);
  await home.expectSignedInAs('Noor Starter');
  await expect(home.security).toContainText('No phone number is registered for you.');
  await expectAccessible(page);

  await home.security.getByRole('link', { name: 'Change your password' }).click();
  const change = new ChangePasswordPage(page);
  await change.expectVisible();
  await expect(change.rule('At least 12 characters')).toHaveAttribute('data-met', 'false');
  const second = 'Amber-Lantern-Meadow-47';
  await change.newPassword.fill(second);
  await expect(change.rule('At least 12 characters')).toHaveAttribute('data-met', 'true');
  await expectAccessible(page);
  await change.change('not my password', second);
  await expect(change.alert).not.toContainText('{');
  await expect(change.alert).toBeVisible();
  await change.change(first, second);

  await expect(page.getByRole('heading', { name: 'Your password has been changed' })).toBeVisible();
  await page.getByRole('button', { name: 'Sign in again' }).click();
  // Every session ended, this one too: the sign-in page asks again, name filled in.
  await signIn.expectVisible();
  await expect(signIn.username).toHaveValue(upn);
  await signIn.password.fill(first);
  await signIn.submit.click();
  await expect(signIn.alert).toContainText("don't match");
  await signIn.password.fill(second);
  await signIn.submit.click();
  await home.expectSignedInAs('Noor Starter');
});

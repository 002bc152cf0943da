import { expect, test } from '@playwright/test';
import { auth, tokenFor } from '../support/api';
import { expectAccessible } from '../support/axe';
import { admin } from '../support/demo';
import { lastCode } from '../support/sms';
import { startRp } from '../support/rp';

// A staff member who forgot her password resets it herself, with the code texted to
// the mobile number her manager registered, and signs in to her application with the
// new one: no manager, no helpdesk.
test('a staff member resets her forgotten password herself with a code texted to her mobile', async ({
  page,
  request,
  baseURL,
}, info) => {
  const upn = `forgetful.${info.project.name}.${Date.now()}@contoso.example`;
  const mobile = info.project.name === 'mobile' ? '+33610000002' : '+33610000001';
  const headers = auth(await tokenFor(request, admin.upn));
  const created = await request.post('/api/v1/users', {
    headers,
    data: {
      user_principal_name: upn,
      display_name: 'Inès Forgetful',
      source: 'cloud',
      password: 'Initial-Granite-Falls-61',
    },
  });
  expect(created.status(), await created.text()).toBe(201);
  const id: string = (await created.json()).id;
  // Her manager registered her mobile number.
  const phone = await request.put(`/api/v1/users/${id}/phone-methods/mobile`, {
    headers,
    data: { phone_number: mobile },
  });
  expect(phone.ok(), await phone.text()).toBeTruthy();

  const rp = await startRp(request, baseURL!, `Till (${info.project.name})`);
  try {
    await page.goto(`${rp.url}/start`);
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in', exact: true })).toBeVisible();
    await page.getByRole('button', { name: 'Forgot your password?' }).click();

    await expect(page.getByRole('heading', { level: 1, name: 'Reset your password' })).toBeVisible();
    await expectAccessible(page);
    await page.getByLabel('Sign-in name').fill(upn);
    await page.getByRole('button', { name: 'Send code' }).click();

    await expect(page.getByRole('heading', { level: 1, name: 'Enter the code' })).toBeVisible();
    await expectAccessible(page);
    // A wrong code first: the page says so, and how many tries are left.
    const code = lastCode(baseURL!, mobile);
    await page.getByLabel('Code', { exact: true }).fill(code === '00000000' ? '11111111' : '00000000');
    await page.getByRole('button', { name: 'Verify code' }).click();
    await expect(page.getByRole('alert')).toContainText('2 tries left');
    await expectAccessible(page);
    await page.getByLabel('Code', { exact: true }).fill(code);
    await page.getByRole('button', { name: 'Verify code' }).click();

    await expect(page.getByRole('heading', { level: 1, name: 'Choose a new password' })).toBeVisible();
    await expectAccessible(page);
    const chosen = 'Harbour-Violet-Compass-58';
    await page.getByLabel('New password', { exact: true }).fill(chosen);
    await page.getByLabel('Confirm new password').fill(chosen);
    await page.getByRole('button', { name: 'Reset password' }).click();

    await expect(page.getByRole('heading', { level: 1, name: 'Sign in', exact: true })).toBeVisible();
    await expect(page.getByText('Your password has been reset')).toBeVisible();
    await expect(page.getByLabel('Sign-in name')).toHaveValue(upn);
    await expectAccessible(page);
    await page.getByLabel('Password', { exact: true }).fill(chosen);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.getByRole('heading', { name: 'Signed in as Inès Forgetful' })).toBeVisible();
    expect(rp.signIns[0].claims.preferred_username).toBe(upn);
  } finally {
    await rp.close();
  }
});

import { expect, test } from '@playwright/test';
import { auth, tokenFor, userId } from '../support/api';
import { expectAccessible } from '../support/axe';
import { admin } from '../support/demo';
import { attribute, bind } from '../support/directory';
import { startRp } from '../support/rp';
import { lastCode } from '../support/sms';

/**
 * Self-service reset of an on-premises user (issue 14): Olga is synced from Active
 * Directory; she forgot her password, resets it on the hosted sign-in page with the
 * code texted to the mobile her manager registered, under the domain's policy, and
 * the new password is written to the domain (no "must change": she chose it), binds
 * there, and signs her in to an application.
 */
const olga = {
  name: 'Olga Petrova',
  upn: 'olga.petrova@corp.example',
  dn: 'CN=Olga Petrova,OU=Stores,DC=corp,DC=example',
  start: 'Copper-Valley-Bridge-64',
  mobile: '+33610000003',
};

test('an on-premises staff member resets her forgotten password herself; the domain has it', async ({
  page,
  request,
  baseURL,
}) => {
  const token = await tokenFor(request, admin.upn);
  const id = await userId(request, token, olga.upn);
  const phone = await request.put(`/api/v1/users/${id}/phone-methods/mobile`, {
    headers: auth(token),
    data: { phone_number: olga.mobile },
  });
  expect(phone.ok(), await phone.text()).toBeTruthy();
  expect(bind(olga.dn, olga.start)).toBe('ok');

  const rp = await startRp(request, baseURL!, 'Till');
  try {
    await page.goto(`${rp.url}/start`);
    await page.getByRole('button', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Sign-in name').fill(olga.upn);
    await page.getByRole('button', { name: 'Send code' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Enter the code' })).toBeVisible();
    await page.getByLabel('Code', { exact: true }).fill(lastCode(baseURL!, olga.mobile));
    await page.getByRole('button', { name: 'Verify code' }).click();

    // The domain's policy, not the cloud one; no current password is asked.
    await expect(page.getByRole('heading', { level: 1, name: 'Choose a new password' })).toBeVisible();
    await expect(page.getByText('At least 7 characters')).toBeVisible();
    await expect(page.getByLabel('Current password')).toHaveCount(0);
    await expectAccessible(page);
    // The domain refuses what its policy refuses, in words.
    await page.getByLabel('New password', { exact: true }).fill('petrova1');
    await page.getByLabel('Confirm new password').fill('petrova1');
    await page.getByRole('button', { name: 'Reset password' }).click();
    await expect(page.getByRole('alert')).toBeVisible();
    await expect(page.getByRole('alert')).not.toContainText('0000052D');
    const chosen = 'Quiet-Evening-Ferry-9';
    await page.getByLabel('New password', { exact: true }).fill(chosen);
    await page.getByLabel('Confirm new password').fill(chosen);
    await page.getByRole('button', { name: 'Reset password' }).click();

    await expect(page.getByText('Your password has been reset')).toBeVisible();
    expect(bind(olga.dn, chosen)).toBe('ok');
    expect(attribute(olga.dn, 'pwdLastSet')).not.toBe('0');
    await page.getByLabel('Password', { exact: true }).fill(chosen);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect(page.getByRole('heading', { name: `Signed in as ${olga.name}` })).toBeVisible();
    expect(rp.signIns[0].claims.preferred_username).toBe(olga.upn);
  } finally {
    await rp.close();
  }
});

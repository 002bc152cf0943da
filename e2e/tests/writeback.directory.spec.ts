import { expect, test } from '@playwright/test';
import { signInAs } from '../pages/admin-pages';
import { AppShell } from '../pages/app-shell';
import { HostedSignInPage } from '../pages/hosted-sign-in-page';
import { MembersPage } from '../pages/members-page';
import { ProfilePage } from '../pages/profile-page';
import { auth, tokenFor, userId } from '../support/api';
import { expectAccessible } from '../support/axe';
import { DEMO_PASSWORD, admin, maria } from '../support/demo';
import { attribute, bind } from '../support/directory';
import { startRp } from '../support/rp';

/**
 * On-premises Active Directory for real (issue 12): Ines is synced from the domain;
 * her store manager resets her password in My Staff, which writes it to AD ("must
 * change at next sign-in"); Ines signs in to an application through OpenStaff with
 * it, is made to change it (in AD, with the old one), and arrives signed in; the new
 * password binds in the domain.
 */
const ines = {
  name: 'Ines Duarte',
  upn: 'ines.duarte@corp.example',
  dn: 'CN=Ines Duarte,OU=Stores,DC=corp,DC=example',
  start: 'Indigo-Harbor-Kite-71',
};
const STORE = 'Store 012 · Lyon Part-Dieu';

test('a manager resets a synced user in My Staff; the password works in AD and in an application', async ({
  page,
  request,
}) => {
  // Setup as the administrator: the synced user joins Maria's store.
  const token = await tokenFor(request, admin.upn);
  const inesId = await userId(request, token, ines.upn);
  const units = await (await request.get(`/api/v1/administrative-units?search=Lyon`, { headers: auth(token) })).json();
  const store = units.items.find((u: { display_name: string }) => u.display_name === STORE);
  const joined = await request.post(`/api/v1/administrative-units/${store.id}/members`, {
    headers: auth(token),
    data: { user_id: inesId },
  });
  expect(joined.status()).toBe(204);
  expect(bind(ines.dn, ines.start)).toBe('ok');

  // Maria resets it in My Staff with a password the domain accepts.
  await signInAs(page, maria.upn, DEMO_PASSWORD);
  const members = new MembersPage(page);
  const profile = new ProfilePage(page);
  await new AppShell(page).navLink('My locations').click();
  await members.openLocation(STORE);
  await members.openMember(ines.name);
  await expect(page.getByText('On-premises account')).toBeVisible();
  await profile.resetPassword.click();
  const typed = 'Harbor-Lights-2027';
  await profile.newPassword.fill(typed);
  await profile.setPassword.click();
  await expect(profile.passwordCard.getByRole('status')).toContainText(`${ines.name}'s password was changed`);
  await expectAccessible(page);

  // The domain has it, with "must change at next sign-in"; the old one is gone.
  expect(attribute(ines.dn, 'pwdLastSet')).toBe('0');
  expect(bind(ines.dn, typed)).toContain('data 773');
  expect(bind(ines.dn, ines.start)).toContain('data 52e');

  // Ines opens the till and signs in through OpenStaff.
  const rp = await startRp(request, new URL(page.url()).origin, 'Till');
  try {
    const inesPage = await page.context().browser()!.newContext().then((c) => c.newPage());
    const hosted = new HostedSignInPage(inesPage);
    await inesPage.goto(`${rp.url}/start`);
    await hosted.expectVisible('Till');
    await hosted.signIn(ines.upn, typed);
    await expect(hosted.changeHeading).toBeVisible();
    await expect(hosted.rule('At least 7 characters')).toBeVisible();
    await expectAccessible(inesPage);
    const chosen = 'Quiet-Morning-Tram-8';
    await hosted.changeDirectoryPassword(typed, chosen);
    await expect(inesPage.getByRole('heading', { name: `Signed in as ${ines.name}` })).toBeVisible();
    expect(bind(ines.dn, chosen)).toBe('ok');
    expect(attribute(ines.dn, 'pwdLastSet')).not.toBe('0');
  } finally {
    await rp.close();
  }
});

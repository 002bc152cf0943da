import { expect, test } from '@playwright/test';
import path from 'node:path';
import { AppShell } from '../pages/app-shell';
import { HostedSignInPage } from '../pages/hosted-sign-in-page';
import { HomePage } from '../pages/home-page';
import { MembersPage } from '../pages/members-page';
import { ProfilePage } from '../pages/profile-page';
import { SearchPage } from '../pages/search-page';
import { SignInPage } from '../pages/sign-in-page';
import { expectAccessible } from '../support/axe';
import { DEMO_PASSWORD, maria, store027, targetsFor } from '../support/demo';

test.describe('a store manager', () => {
  test.beforeEach(async ({ page }) => {
    const signIn = new SignInPage(page);
    await signIn.goto();
    await signIn.signIn(maria.upn, DEMO_PASSWORD);
    await new HomePage(page).expectSignedInAs(maria.displayName);
  });

  test('finds a staff member through the organisation-wide search', async ({ page }, testInfo) => {
    const target = targetsFor(testInfo.project.name).cloud;
    const shell = new AppShell(page);
    const results = new SearchPage(page);

    await shell.searchFor(target.name.split(' ')[0]);

    await expect(results.person(target.name)).toContainText('Can manage');
    await expect(results.person(target.name)).toContainText(target.upn);
    await expectAccessible(page);

    // Someone outside her stores is found too, but only to look at.
    await shell.searchFor('Tom Fournier');
    await expect(results.person('Tom Fournier')).toContainText('View only');

    await shell.searchFor('Store 0');
    await expect(results.locations.filter({ hasText: store027 })).toBeVisible();

    await shell.searchFor(target.name);
    await results.open(target.name);
    await new ProfilePage(page).expectLoaded(target.name);
  });

  test('finds a staff member through her location and resets the password; they sign in and must change it', async ({
    page,
  }, testInfo) => {
    const target = targetsFor(testInfo.project.name).cloud;
    const shell = new AppShell(page);
    const members = new MembersPage(page);
    const profile = new ProfilePage(page);

    // Two stores: My locations lists both, then remembers the one she opened.
    await shell.navLink('My locations').click();
    await expect(page.getByRole('heading', { level: 1, name: 'My locations' })).toBeVisible();
    await members.openLocation(target.store);
    await expect(members.member(target.name)).toContainText('Can manage');
    // The README's screenshots, one per project.
    await page.screenshot({
      path: path.join(
        __dirname,
        '../../docs',
        testInfo.project.name.includes('mobile') ? 'screenshot-phone.png' : 'screenshot-desktop.png',
      ),
    });
    await expectAccessible(page);

    await members.search.fill(target.name.split(' ')[1]);
    await expect(members.members).toHaveCount(1);
    await members.openMember(target.name);

    await profile.resetPassword.click();
    await expect(profile.passwordCard).toContainText(`Reset ${target.name}'s password?`);
    await profile.confirmReset.click();

    await expect(profile.temporaryPassword).toBeVisible();
    const temporary = await profile.temporaryPasswordValue();
    expect(temporary.length).toBeGreaterThanOrEqual(16);
    await expect(profile.passwordCard).toContainText(/Expires \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} \(in about 24 hours\)/);
    await profile.copy.click();
    await expect(profile.passwordCard.getByText(/^(Copied\.|Couldn't copy)/)).toBeVisible();
    await expectAccessible(page);
    // Shown once: after Done it is gone for good.
    await profile.done.click();
    await expect(profile.temporaryPassword).toHaveCount(0);

    // Back in My locations, she goes straight to the store she last viewed.
    await shell.navLink('My locations').click();
    await expect(members.heading).toHaveText(target.store);

    await shell.signOut.click();
    await expect(page.getByRole('heading', { level: 1, name: "You've signed out" })).toBeVisible();
    await page.getByRole('button', { name: 'Sign in again' }).click();
    const signIn = new SignInPage(page);
    await signIn.expectVisible();
    await signIn.signIn(target.upn, temporary);

    // The forced change happens on the sign-in page itself, before the app opens.
    const hosted = new HostedSignInPage(page);
    await expect(hosted.changeHeading).toBeVisible();
    await expectAccessible(page);

    // The server checks what the browser cannot.
    await hosted.changePassword('aaaaaaaaaaaa');
    await expect(hosted.alert).toBeVisible();
    await expect(hosted.alert).not.toContainText('{');
    await expect(hosted.changeHeading).toBeVisible();

    const chosen = `Violet-Harbor-Lamp-${testInfo.project.name.length}917`;
    await hosted.changePassword(chosen);
    // Straight on to the app, signed in, on their own account page.
    await new HomePage(page).expectSignedInAs(target.name);
    await expect(new HomePage(page).applications).toBeVisible();
  });

  test('resets an on-premises password with the live policy checklist', async ({
    page,
  }, testInfo) => {
    const target = targetsFor(testInfo.project.name).onPremises;
    const members = new MembersPage(page);
    const profile = new ProfilePage(page);
    await new AppShell(page).navLink('My locations').click();
    await members.openLocation(target.store);
    await members.openMember(target.name);

    await expect(profile.page.getByText('On-premises account')).toBeVisible();
    await profile.resetPassword.click();
    await expect(profile.rule('At least 10 characters')).toHaveAttribute('data-met', 'false');
    await profile.newPassword.fill('short');
    await expect(profile.rule('At least 10 characters')).toHaveAttribute('data-met', 'false');
    await expect(profile.rule('lower case, upper case, digit, symbol')).toHaveAttribute('data-met', 'false');
    await expectAccessible(page);

    // Unmet rules come back from the server in words.
    await profile.setPassword.click();
    await expect(profile.passwordCard.getByRole('alert')).toContainText('At least 10 characters.');
    await expect(profile.passwordCard.getByRole('alert')).not.toContainText('{');

    const lastName = target.name.split(' ')[1];
    await profile.newPassword.fill(`${lastName}-Store-2026`);
    await expect(profile.rule('Does not contain')).toHaveAttribute('data-met', 'false');
    await profile.newPassword.fill('Harbor-Lights-2026');
    for (const rule of await profile.rules.all()) {
      await expect(rule).toHaveAttribute('data-met', 'true');
    }
    await profile.setPassword.click();
    await expect(profile.passwordCard.getByRole('status')).toContainText(
      `${target.name}'s password was changed`,
    );
  });

  test('adds, changes and removes a phone number', async ({ page }, testInfo) => {
    const t = targetsFor(testInfo.project.name);
    const target = t.phones;
    const members = new MembersPage(page);
    const profile = new ProfilePage(page);
    await new AppShell(page).navLink('My locations').click();
    await members.openLocation(target.store);
    await members.openMember(target.name);
    await profile.expectLoaded(target.name);
    await expect(profile.phoneCard).toContainText('No phone numbers yet.');

    await profile.addType.selectOption({ label: 'Mobile' });
    await profile.addNumber.fill(t.mobile);
    await profile.addButton.click();
    await expect(profile.phoneCard.getByRole('status')).toHaveText('Mobile number saved.');
    const e164 = (n: string) => n.replace(/\s/g, '');
    await expect(profile.phone('Mobile')).toContainText(e164(t.mobile));
    await expectAccessible(page);

    await profile.phone('Mobile').getByRole('button', { name: 'Change mobile number' }).click();
    await profile.phoneCard.getByLabel('New mobile number').fill(t.changedMobile);
    await profile.phoneCard.getByRole('button', { name: 'Save' }).click();
    await expect(profile.phone('Mobile')).toContainText(e164(t.changedMobile));

    // Nonsense is refused in words.
    await profile.addType.selectOption({ label: 'Office' });
    await profile.addNumber.fill('not a number');
    await profile.addButton.click();
    await expect(profile.phoneCard.getByRole('alert')).toBeVisible();
    await expect(profile.phoneCard.getByRole('alert')).not.toContainText('{');

    await profile.phone('Mobile').getByRole('button', { name: 'Remove mobile number' }).click();
    await profile.phoneCard.getByRole('button', { name: 'Yes, remove' }).click();
    await expect(profile.phoneCard.getByRole('status')).toHaveText('Mobile number removed.');
    await expect(profile.phoneCard).toContainText('No phone numbers yet.');
  });
});

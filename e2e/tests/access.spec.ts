import { expect, test } from '@playwright/test';
import { AppShell } from '../pages/app-shell';
import { HomePage } from '../pages/home-page';
import { MembersPage } from '../pages/members-page';
import { ProfilePage } from '../pages/profile-page';
import { SearchPage } from '../pages/search-page';
import { SignInPage } from '../pages/sign-in-page';
import { expectAccessible } from '../support/axe';
import { DEMO_PASSWORD, hannah, sam, sarah, store012, tom, zoe } from '../support/demo';

async function signIn(page: import('@playwright/test').Page, upn: string, name: string) {
  const signInPage = new SignInPage(page);
  await signInPage.goto();
  await signInPage.signIn(upn, DEMO_PASSWORD);
  await new HomePage(page).expectSignedInAs(name);
}

test.describe('what a manager may not do', () => {
  test('a password admin of another store sees a profile with no action buttons, and why', async ({
    page,
  }) => {
    await signIn(page, tom.upn, tom.displayName);
    const shell = new AppShell(page);
    const profile = new ProfilePage(page);

    // Tom looks after Store 027 only; Sarah works at Store 012.
    await shell.searchFor(sarah.name);
    const results = new SearchPage(page);
    await expect(results.person(sarah.name)).toContainText('View only');
    await results.open(sarah.name);
    await profile.expectLoaded(sarah.name);

    await expect(profile.actionButtons()).toHaveCount(0);
    await profile.passwordCard.getByRole('button', { name: "Why can't I reset the password?" }).click();
    await expect(profile.passwordCard.getByRole('status')).toContainText(
      'You can only reset passwords for people in your locations.',
    );
    await profile.phoneCard.getByRole('button', { name: "Why can't I change phone numbers?" }).click();
    await expect(profile.phoneCard.getByRole('status')).toContainText(
      "Your role doesn't let you change phone numbers.",
    );
    await expectAccessible(page);

    // He can still browse the store's members, all view only.
    await page.getByRole('link', { name: store012 }).click();
    const members = new MembersPage(page);
    await expect(members.heading).toHaveText(store012);
    await expect(members.member(zoe.name)).toContainText('View only');
  });

  test('a helpdesk admin may reset passwords but not change phone numbers', async ({ page }) => {
    await signIn(page, hannah.upn, hannah.displayName);
    const profile = new ProfilePage(page);
    await new AppShell(page).searchFor(zoe.name);
    await new SearchPage(page).open(zoe.name);
    await profile.expectLoaded(zoe.name);

    await expect(profile.resetPassword).toBeVisible();
    await expect(profile.phoneCard.getByRole('button', { name: /number$/ })).toHaveCount(0);
    await expect(profile.addButton).toHaveCount(0);
    await expect(
      profile.phoneCard.getByRole('button', { name: "Why can't I change phone numbers?" }),
    ).toBeVisible();
    await expectAccessible(page);
  });

  test('someone without an administrator role has My account, and a clear page at My Staff', async ({
    page,
  }) => {
    await signIn(page, sam.upn, sam.displayName);
    const home = new HomePage(page);
    // Staff land on their account: no manager links, no My Staff entry, no error.
    await expect(home.applications).toBeVisible();
    await expect(home.application('My Staff')).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'My locations' })).toHaveCount(0);
    await expect(page.getByRole('link', { name: 'Audit' })).toHaveCount(0);
    await expect(page.getByRole('search')).toHaveCount(0);
    await expect(page.getByRole('alert')).toHaveCount(0);
    await expectAccessible(page);

    await page.goto('/locations');
    await expect(
      page.getByRole('heading', { level: 1, name: "My Staff isn't available to you" }),
    ).toBeVisible();
    await expect(page.getByRole('alert')).toHaveCount(0);
  });
});

import { expect, test, type TestInfo } from '@playwright/test';
import {
  AdminLocationPage,
  AdminLocationsPage,
  AdminNav,
  AdminRolesPage,
  AdminUsersPage,
  expectNoSidewaysScroll,
  notForYou,
  signInAs,
} from '../pages/admin-pages';
import { expectAccessible } from '../support/axe';
import { admin, DEMO_PASSWORD, maria } from '../support/demo';

const PASSWORD = 'Maple-Orbit-Canyon-73!';

/** Names unique to the project, since desktop and mobile share one server. */
function names(testInfo: TestInfo) {
  const p = testInfo.project.name;
  const cap = p.charAt(0).toUpperCase() + p.slice(1);
  return {
    person: `Quinn ${cap}`,
    personUpn: `quinn.e2e.${p}@contoso.example`,
    draftLocation: `Kiosk ${cap} draft`,
    location: `Kiosk ${cap}`,
    imported: `Ivy ${cap}`,
    importedUpn: `ivy.e2e.${p}@contoso.example`,
  };
}

test('someone who may not manage the directory gets a clear page', async ({ page }) => {
  await signInAs(page, maria.upn, DEMO_PASSWORD);
  await page.goto('/admin');
  await expect(notForYou(page)).toBeVisible();
  await expect(new AdminNav(page).nav).toHaveCount(0);
  await expectAccessible(page);
});

test.describe.serial('an administrator manages the directory', () => {
  test.beforeEach(async ({ page }) => {
    await signInAs(page, admin.upn, DEMO_PASSWORD);
  });

  test('creates a user, with problems shown next to each field', async ({ page }, testInfo) => {
    const n = names(testInfo);
    const users = new AdminUsersPage(page);
    await users.goto();
    await expect(new AdminNav(page).link('Users')).toHaveAttribute('aria-current', 'page');

    await users.upn.fill('not a sign-in name');
    await users.displayName.fill(n.person);
    await users.jobTitle.fill('Sales Associate');
    await users.department.fill('Retail');
    await users.password.fill(PASSWORD);
    await users.create.click();
    await expect(users.upn).toHaveAttribute('aria-invalid', 'true');
    await expect(users.upn).toHaveAccessibleDescription(/.+/);
    await expect(users.password).toHaveAttribute('aria-invalid', 'false');
    await expectAccessible(page);

    await users.upn.fill(n.personUpn);
    await users.password.fill('password');
    await users.create.click();
    await expect(users.password).toHaveAttribute('aria-invalid', 'true');
    await expect(users.upn).toHaveAttribute('aria-invalid', 'false');

    await users.password.fill(PASSWORD);
    await users.create.click();
    await expect(page.getByText(`Created ${n.person} (${n.personUpn})`)).toBeVisible();
    await expect(users.upn).toHaveValue('');
  });

  test('creates a location, renames it and adds a member', async ({ page }, testInfo) => {
    const n = names(testInfo);
    const locations = new AdminLocationsPage(page);
    await locations.goto();
    await expect(page.getByText('This cannot be changed later.')).toBeVisible();
    await expectAccessible(page);

    await locations.createLocation(n.draftLocation, 'Pop-up kiosk for the e2e tests');
    const location = new AdminLocationPage(page);
    await expect(location.heading(n.draftLocation)).toBeVisible();
    await expect(page).toHaveURL(/\/admin\/locations\/[0-9a-f-]{36}$/);

    await location.name.fill(n.location);
    await location.saveChanges.click();
    await expect(location.heading(n.location)).toBeVisible();

    await location.addMember.pick(n.person, n.person);
    await expect(location.status(`Added ${n.person} to ${n.location}.`)).toBeVisible();
    await expect(location.members(n.location).filter({ hasText: n.personUpn })).toBeVisible();
    await expect(page.getByText('1 member', { exact: true })).toBeVisible();
    await expectAccessible(page);

    await locations.goto();
    await locations.search.fill(n.location);
    await expect(locations.location(n.location)).toBeVisible();
  });

  test('gives a role for one location, then takes it back', async ({ page }, testInfo) => {
    const n = names(testInfo);
    const roles = new AdminRolesPage(page);
    await roles.goto();
    await expect(roles.list.getByRole('listitem').first()).toBeVisible();

    await roles.person.pick(n.person, n.person);
    // Directory-only roles cannot be given for a location.
    await roles.role.selectOption({ label: 'Global Administrator' });
    await expect(roles.oneLocation).toBeDisabled();
    await roles.role.selectOption({ label: 'Helpdesk Administrator' });
    await expect(roles.oneLocation).toBeEnabled();
    await roles.oneLocation.check();
    await roles.location.pick(n.location, n.location);
    await expectAccessible(page);
    await expectNoSidewaysScroll(page);
    await roles.give.click();

    await expect(
      page.getByText(`${n.person} is now Helpdesk Administrator — ${n.location}.`),
    ).toBeVisible();
    await expect(roles.assignment(n.person, 'Helpdesk Administrator', n.location)).toBeVisible();

    await roles.removeButton(n.person, 'Helpdesk Administrator', n.location).click();
    await expect(
      page.getByText(`${n.person} is no longer Helpdesk Administrator — ${n.location}.`),
    ).toBeVisible();
    await expect(roles.assignment(n.person, 'Helpdesk Administrator', n.location)).toHaveCount(0);
  });

  test('imports users from a CSV file', async ({ page }, testInfo) => {
    const n = names(testInfo);
    const users = new AdminUsersPage(page);
    await users.goto();
    const csv = [
      'user_principal_name,display_name,job_title,department,administrative_unit',
      `${n.importedUpn},${n.imported},Cashier,Retail,${n.location}`,
      `broken ${testInfo.project.name},Broken Row,,,`,
    ].join('\n');
    await users.csvFile.setInputFiles({
      name: 'people.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv, 'utf8'),
    });
    await users.importButton.click();

    await expect(page.getByText('Created 1 user; 1 row could not be imported.')).toBeVisible();
    const created = users.resultRow(n.importedUpn);
    await expect(created).toContainText('Created');
    const copy = created.getByRole('button', { name: `Copy the temporary password of ${n.importedUpn}` });
    await expect(copy).toBeVisible();
    await expect(created.locator('code')).toHaveText(/^\S{16,}$/);
    const failed = users.results.getByRole('row').filter({ hasText: 'Not imported' });
    await expect(failed).toHaveCount(1);
    await expect(page.getByText('Temporary passwords are shown only now.')).toBeVisible();
    await expectAccessible(page);
    await expectNoSidewaysScroll(page);
  });

  test('removes a member and deletes the location', async ({ page }, testInfo) => {
    const n = names(testInfo);
    const locations = new AdminLocationsPage(page);
    await locations.goto();
    await locations.search.fill(n.location);
    await locations.location(n.location).click();

    const location = new AdminLocationPage(page);
    await expect(location.heading(n.location)).toBeVisible();
    // The imported user joined through the CSV's administrative_unit column.
    await expect(location.members(n.location).filter({ hasText: n.importedUpn })).toBeVisible();
    await location.removeMember(n.person, n.location).click();
    await expect(location.status(`Removed ${n.person} from ${n.location}.`)).toBeVisible();
    await expect(location.members(n.location).filter({ hasText: n.personUpn })).toHaveCount(0);

    await location.deleteLocation.click();
    await page.getByRole('button', { name: `Delete ${n.location}`, exact: true }).click();
    await expect(locations.heading).toBeVisible();
    await locations.search.fill(n.location);
    await expect(page.getByText('No location matches your search.')).toBeVisible();
  });
});

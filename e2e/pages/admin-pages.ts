import { expect, type Locator, type Page } from '@playwright/test';

/** The section navigation every admin page shows. */
export class AdminNav {
  readonly nav: Locator;

  constructor(readonly page: Page) {
    this.nav = page.getByRole('navigation', { name: 'Admin sections' });
  }

  link(name: string): Locator {
    return this.nav.getByRole('link', { name, exact: true });
  }
}

/** A search box that finds people (or locations) and offers one button per result. */
export class Picker {
  constructor(
    readonly page: Page,
    readonly label: string,
    readonly verb: string,
  ) {}

  get input(): Locator {
    return this.page.getByRole('searchbox', { name: this.label, exact: true });
  }

  async pick(search: string, name: string) {
    await this.input.fill(search);
    await this.page.getByRole('button', { name: `${this.verb} ${name}`, exact: true }).click();
  }
}

/** `/admin/access`: who may use My Staff. */
export class AdminAccessPage {
  readonly heading: Locator;
  readonly all: Locator;
  readonly selected: Locator;
  readonly nobody: Locator;
  readonly chosen: Locator;
  readonly picker: Picker;
  readonly save: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'My Staff access' });
    this.all = page.getByRole('radio', { name: 'All administrators' });
    this.selected = page.getByRole('radio', { name: 'Selected administrators' });
    this.nobody = page.getByRole('radio', { name: 'Nobody' });
    this.chosen = page.getByRole('list', { name: 'Selected administrators' }).getByRole('listitem');
    this.picker = new Picker(page, 'Add an administrator', 'Add');
    this.save = page.getByRole('button', { name: 'Save' });
  }

  async goto() {
    await this.page.goto('/admin/access');
    await expect(this.heading).toBeVisible();
    await expect(this.all.or(this.selected).or(this.nobody).first()).toBeVisible();
  }

  removeButton(name: string): Locator {
    return this.page.getByRole('button', { name: `Remove ${name}`, exact: true });
  }
}

/** `/admin/locations`: the list, search and the create form. */
export class AdminLocationsPage {
  readonly heading: Locator;
  readonly search: Locator;
  readonly list: Locator;
  readonly name: Locator;
  readonly description: Locator;
  readonly restricted: Locator;
  readonly create: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Locations' });
    this.search = page.getByRole('searchbox', { name: 'Search locations' });
    this.list = page.getByRole('list', { name: 'Locations' });
    this.name = page.getByLabel('Name', { exact: true });
    this.description = page.getByLabel('Description (optional)');
    this.restricted = page.getByRole('checkbox', { name: 'Restricted location' });
    this.create = page.getByRole('button', { name: 'Create location' });
  }

  async goto() {
    await this.page.goto('/admin/locations');
    await expect(this.heading).toBeVisible();
  }

  location(name: string): Locator {
    return this.list.getByRole('link', { name, exact: true });
  }

  async createLocation(name: string, description: string) {
    await this.name.fill(name);
    await this.description.fill(description);
    await this.create.click();
  }
}

/** `/admin/locations/:id`: details, members and deletion. */
export class AdminLocationPage {
  readonly name: Locator;
  readonly description: Locator;
  readonly saveChanges: Locator;
  readonly addMember: Picker;
  readonly deleteLocation: Locator;

  constructor(readonly page: Page) {
    this.name = page.getByLabel('Name', { exact: true });
    this.description = page.getByLabel('Description', { exact: true });
    this.saveChanges = page.getByRole('button', { name: 'Save changes' });
    this.addMember = new Picker(page, 'Add a member', 'Add');
    this.deleteLocation = page.getByRole('button', { name: 'Delete location…' });
  }

  heading(name: string): Locator {
    return this.page.getByRole('heading', { level: 1, name, exact: true });
  }

  members(location: string): Locator {
    return this.page.getByRole('list', { name: `Members of ${location}` }).getByRole('listitem');
  }

  removeMember(person: string, location: string): Locator {
    return this.page.getByRole('button', { name: `Remove ${person} from ${location}`, exact: true });
  }

  status(text: string): Locator {
    return this.page.locator('.outcome').getByText(text);
  }
}

/** `/admin/roles`: role assignments. */
export class AdminRolesPage {
  readonly heading: Locator;
  readonly list: Locator;
  readonly person: Picker;
  readonly role: Locator;
  readonly wholeOrganisation: Locator;
  readonly oneLocation: Locator;
  readonly location: Picker;
  readonly give: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Roles' });
    this.list = page.getByRole('list', { name: 'Role assignments' });
    this.person = new Picker(page, 'Person', 'Choose');
    this.role = page.getByLabel('Role', { exact: true });
    this.wholeOrganisation = page.getByRole('radio', { name: 'Whole organisation' });
    this.oneLocation = page.getByRole('radio', { name: 'One location' });
    this.location = new Picker(page, 'Location', 'Choose');
    this.give = page.getByRole('button', { name: 'Give role' });
  }

  async goto() {
    await this.page.goto('/admin/roles');
    await expect(this.heading).toBeVisible();
  }

  assignment(person: string, role: string, scope: string): Locator {
    return this.list.getByRole('listitem').filter({ hasText: person }).filter({ hasText: role }).filter({ hasText: scope });
  }

  removeButton(person: string, role: string, scope: string): Locator {
    return this.page.getByRole('button', { name: `Remove ${person} as ${role} — ${scope}`, exact: true });
  }
}

/** `/admin/users`: create one user, or import a CSV file. */
export class AdminUsersPage {
  readonly heading: Locator;
  readonly upn: Locator;
  readonly displayName: Locator;
  readonly jobTitle: Locator;
  readonly department: Locator;
  readonly cloud: Locator;
  readonly onPremises: Locator;
  readonly password: Locator;
  readonly create: Locator;
  readonly csvFile: Locator;
  readonly importButton: Locator;
  readonly results: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Users' });
    this.upn = page.getByLabel('Sign-in name (UPN)');
    this.displayName = page.getByLabel('Display name');
    this.jobTitle = page.getByLabel('Job title (optional)');
    this.department = page.getByLabel('Department (optional)');
    this.cloud = page.getByRole('radio', { name: 'Cloud (managed here)' });
    this.onPremises = page.getByRole('radio', { name: /On-premises/ });
    this.password = page.getByLabel('Initial password');
    this.create = page.getByRole('button', { name: 'Create user' });
    this.csvFile = page.getByLabel('CSV file', { exact: true });
    this.importButton = page.getByRole('button', { name: 'Import', exact: true });
    this.results = page.getByRole('table', { name: 'Import results' });
  }

  async goto() {
    await this.page.goto('/admin/users');
    await expect(this.heading).toBeVisible();
  }

  resultRow(upn: string): Locator {
    return this.results.getByRole('row').filter({ hasText: upn });
  }
}

/** The page someone who may not manage the directory gets. */
export function notForYou(page: Page): Locator {
  return page.getByRole('heading', { level: 1, name: "This page isn't for you" });
}

/** Signs in through the sign-in page and waits until the app has let us in. */
export async function signInAs(page: Page, upn: string, password: string) {
  // Through the provider's hosted page, as a person would.
  await page.goto('/signin');
  await page.getByLabel('Sign-in name').fill(upn);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).not.toHaveURL(/\/(signin|oauth2)/);
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}

/** Nothing on the page is wider than the screen (no sideways scrolling on a phone). */
export async function expectNoSidewaysScroll(page: Page) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(scroll, 'page width').toBeLessThanOrEqual(client);
}

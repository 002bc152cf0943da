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
    this.save = page.getByRole('region', { name: 'My Staff access' }).getByRole('button', { name: 'Save' });
    this.signIn = page.getByRole('region', { name: 'Sign-in' });
    this.mfaForEveryone = this.signIn.getByRole('checkbox', { name: 'Require a second factor from everyone' });
    this.saveSignIn = this.signIn.getByRole('button', { name: 'Save' });
  }

  readonly signIn: Locator;
  readonly mfaForEveryone: Locator;
  readonly saveSignIn: Locator;

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
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
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

/** `/admin/applications`: the registered applications and the register form. */
export class AdminApplicationsPage {
  readonly heading: Locator;
  readonly list: Locator;
  readonly registerHeading: Locator;
  readonly name: Locator;
  readonly startUrl: Locator;
  readonly redirectUris: Locator;
  readonly logoutUris: Locator;
  readonly confidential: Locator;
  readonly public: Locator;
  readonly everyone: Locator;
  readonly chosenLocations: Locator;
  readonly register: Locator;
  readonly issued: IssuedSecret;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Applications' });
    this.list = page.getByRole('list', { name: 'Registered applications' });
    this.registerHeading = page.getByRole('heading', { level: 2, name: 'Register an application' });
    this.name = page.getByLabel('Name', { exact: true });
    this.startUrl = page.getByLabel('Start URL (optional)');
    this.redirectUris = page.getByLabel('Redirect URIs', { exact: true });
    this.logoutUris = page.getByLabel('Sign-out redirect URIs (optional)');
    this.confidential = page.getByRole('radio', { name: 'Confidential' });
    this.public = page.getByRole('radio', { name: 'Public' });
    this.everyone = page.getByRole('radio', { name: 'Everyone' });
    this.chosenLocations = page.getByRole('radio', { name: 'Members of chosen locations' });
    this.register = page.getByRole('button', { name: 'Register application' });
    this.issued = new IssuedSecret(page);
  }

  async goto() {
    await this.page.goto('/admin/applications');
    await expect(this.heading).toBeVisible();
  }

  application(name: string): Locator {
    return this.list.getByRole('listitem').filter({ has: this.page.getByRole('link', { name, exact: true }) });
  }
}

/** The panel that shows a client id and secret once, after registering or rotating. */
export class IssuedSecret {
  readonly clientId: Locator;
  readonly secret: Locator;
  readonly copySecret: Locator;
  readonly done: Locator;

  constructor(readonly page: Page) {
    const panel = page.getByRole('region', { name: /^(.+ is registered|New client secret for .+)$/ });
    this.clientId = panel.getByRole('textbox', { name: 'Client ID' });
    this.secret = panel.getByRole('textbox', { name: 'Client secret' });
    this.copySecret = panel.getByRole('button', { name: 'Copy the client secret' });
    this.done = panel.getByRole('button', { name: 'Done' });
  }

  heading(text: string): Locator {
    return this.page.getByRole('heading', { level: 2, name: text, exact: true });
  }
}

/** `/admin/applications/:id`: sign-in details, settings, secret and deletion. */
export class AdminApplicationPage {
  readonly clientId: Locator;
  readonly discoveryUrl: Locator;
  readonly name: Locator;
  readonly redirectUris: Locator;
  readonly everyone: Locator;
  readonly chosenLocations: Locator;
  readonly addLocation: Picker;
  readonly locations: Locator;
  readonly save: Locator;
  readonly outcome: Locator;
  readonly newSecret: Locator;
  readonly confirmNewSecret: Locator;
  readonly deleteApplication: Locator;
  readonly issued: IssuedSecret;

  constructor(readonly page: Page) {
    this.clientId = page.getByRole('textbox', { name: 'Client ID' });
    this.discoveryUrl = page.getByRole('textbox', { name: 'Discovery URL' });
    this.name = page.getByLabel('Name', { exact: true });
    this.redirectUris = page.getByLabel('Redirect URIs', { exact: true });
    this.everyone = page.getByRole('radio', { name: 'Everyone' });
    this.chosenLocations = page.getByRole('radio', { name: 'Members of chosen locations' });
    this.addLocation = new Picker(page, 'Add a location', 'Add');
    this.locations = page.getByRole('list', { name: 'Locations whose members may sign in' }).getByRole('listitem');
    this.save = page.getByRole('button', { name: 'Save changes' });
    this.outcome = page.locator('.outcome');
    this.newSecret = page.getByRole('button', { name: 'Make a new secret…' });
    this.confirmNewSecret = page.getByRole('button', { name: 'Make new secret' });
    this.deleteApplication = page.getByRole('button', { name: 'Delete application…' });
    this.issued = new IssuedSecret(page);
  }

  heading(name: string): Locator {
    return this.page.getByRole('heading', { level: 1, name, exact: true });
  }
}

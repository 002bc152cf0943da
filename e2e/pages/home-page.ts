import { expect, type Locator, type Page } from '@playwright/test';

/** `/`: My account — who am I, my applications, my sign-in details, my roles and locations. */
export class HomePage {
  readonly roles: Locator;
  readonly locations: Locator;
  readonly signOut: Locator;
  readonly applications: Locator;
  readonly security: Locator;

  constructor(readonly page: Page) {
    this.roles = page.getByRole('list', { name: 'My roles' });
    this.applications = page.getByRole('region', { name: 'Your applications' });
    this.security = page.getByRole('region', { name: 'Sign-in and security' });
    this.locations = page.getByRole('region', { name: 'My locations' }).getByRole('listitem');
    this.signOut = page.getByRole('button', { name: 'Sign out' });
  }

  name(displayName: string): Locator {
    return this.page.getByRole('heading', { level: 1, name: displayName });
  }

  role(line: string): Locator {
    return this.roles.getByRole('listitem').filter({ hasText: line });
  }

  application(name: string): Locator {
    return this.applications.getByRole('link', { name, exact: true });
  }

  location(name: string): Locator {
    return this.locations.filter({ hasText: name });
  }

  async expectSignedInAs(displayName: string) {
    await expect(this.page).toHaveURL(/\/$/);
    await expect(this.name(displayName)).toBeVisible();
  }
}

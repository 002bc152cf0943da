import { expect, type Locator, type Page } from '@playwright/test';

/** `/`: who am I, my roles, my locations. */
export class HomePage {
  readonly roles: Locator;
  readonly locations: Locator;
  readonly signOut: Locator;

  constructor(readonly page: Page) {
    this.roles = page.getByRole('list', { name: 'My roles' });
    this.locations = page.getByRole('region', { name: 'My locations' }).getByRole('listitem');
    this.signOut = page.getByRole('button', { name: 'Sign out' });
  }

  name(displayName: string): Locator {
    return this.page.getByRole('heading', { level: 1, name: displayName });
  }

  role(line: string): Locator {
    return this.roles.getByRole('listitem').filter({ hasText: line });
  }

  location(name: string): Locator {
    return this.locations.filter({ hasText: name });
  }

  async expectSignedInAs(displayName: string) {
    await expect(this.page).toHaveURL(/\/$/);
    await expect(this.name(displayName)).toBeVisible();
  }
}

import { expect, type Locator, type Page } from '@playwright/test';

/** What every signed-in page has: the header, its navigation and the search bar. */
export class AppShell {
  readonly nav: Locator;
  readonly search: Locator;
  readonly searchButton: Locator;
  readonly signOut: Locator;

  constructor(readonly page: Page) {
    this.nav = page.getByRole('navigation', { name: 'Main' });
    this.search = page.getByRole('searchbox', { name: 'Search people and locations' });
    this.searchButton = page.getByRole('search').getByRole('button', { name: 'Search' });
    this.signOut = page.getByRole('button', { name: 'Sign out' });
  }

  navLink(name: string): Locator {
    return this.nav.getByRole('link', { name, exact: true });
  }

  async searchFor(text: string) {
    await this.search.fill(text);
    await this.search.press('Enter');
    await expect(this.page).toHaveURL(/\/search\?q=/);
  }
}

import { type Locator, type Page } from '@playwright/test';

/** `/search?q=`: people and locations across the organisation. */
export class SearchPage {
  readonly people: Locator;
  readonly locations: Locator;

  constructor(readonly page: Page) {
    this.people = page.getByRole('list', { name: 'People found' }).getByRole('listitem');
    this.locations = page.getByRole('region', { name: 'Locations' }).getByRole('listitem');
  }

  person(name: string): Locator {
    return this.people.filter({ has: this.page.getByRole('link', { name, exact: true }) });
  }

  async open(name: string) {
    await this.person(name).getByRole('link', { name, exact: true }).click();
  }
}

import { expect, type Locator, type Page } from '@playwright/test';

/** `/locations` and `/locations/:id`: my locations and their members. */
export class MembersPage {
  readonly heading: Locator;
  readonly search: Locator;
  readonly members: Locator;
  readonly loadMore: Locator;
  readonly switchLocation: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1 });
    this.search = page.getByRole('searchbox', { name: 'Search this location' });
    this.members = page.getByRole('list', { name: 'Members' }).getByRole('listitem');
    this.loadMore = page.getByRole('button', { name: 'Load more' });
    this.switchLocation = page.getByRole('link', { name: 'Switch location' });
  }

  async openLocation(name: string) {
    await this.page.getByRole('link', { name, exact: true }).click();
    await expect(this.heading).toHaveText(name);
  }

  member(name: string): Locator {
    return this.members.filter({ has: this.page.getByRole('link', { name, exact: true }) });
  }

  async openMember(name: string) {
    await this.member(name).getByRole('link', { name, exact: true }).click();
    await expect(this.page.getByRole('heading', { level: 1, name })).toBeVisible();
  }
}

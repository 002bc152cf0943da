import { expect, type Download, type Locator, type Page } from '@playwright/test';

/** `/audit`: filters, the list of events, "Load more" and the CSV download. */
export class AuditPage {
  readonly heading: Locator;
  readonly from: Locator;
  readonly to: Locator;
  readonly activity: Locator;
  readonly result: Locator;
  readonly actor: Locator;
  readonly target: Locator;
  readonly apply: Locator;
  readonly clear: Locator;
  readonly downloadCsv: Locator;
  readonly events: Locator;
  readonly loadMore: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Audit log' });
    this.from = page.getByLabel('From', { exact: true });
    this.to = page.getByLabel('To', { exact: true });
    this.activity = page.getByLabel('Activity');
    this.result = page.getByLabel('Result');
    this.actor = page.getByLabel('Done by (user id, optional)');
    this.target = page.getByLabel('Done to (user or location id, optional)');
    this.apply = page.getByRole('button', { name: 'Apply filters' });
    this.clear = page.getByRole('button', { name: 'Clear filters' });
    this.downloadCsv = page.getByRole('button', { name: 'Download CSV' });
    this.events = page.getByRole('list', { name: 'Events' }).locator(':scope > li');
    this.loadMore = page.getByRole('button', { name: 'Load more' });
  }

  async goto() {
    await this.page.goto('/audit');
    await expect(this.heading).toBeVisible();
  }

  /** Events whose text contains every one of `texts`. */
  event(...texts: string[]): Locator {
    let found = this.events;
    for (const text of texts) {
      found = found.filter({ hasText: text });
    }
    return found;
  }

  async filter(options: { activity?: string; result?: string; target?: string; actor?: string }) {
    if (options.activity !== undefined) await this.activity.selectOption({ label: options.activity });
    if (options.result !== undefined) await this.result.selectOption({ label: options.result });
    if (options.target !== undefined) await this.target.fill(options.target);
    if (options.actor !== undefined) await this.actor.fill(options.actor);
    await this.apply.click();
  }

  /** Clicks "Download CSV" and returns the browser's download. */
  async download(): Promise<Download> {
    const download = this.page.waitForEvent('download');
    await this.downloadCsv.click();
    return download;
  }
}

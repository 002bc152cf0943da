import { expect, type Locator, type Page } from '@playwright/test';

/** `/change-password`: a person changes their own password from My account. */
export class ChangePasswordPage {
  readonly heading: Locator;
  readonly current: Locator;
  readonly newPassword: Locator;
  readonly confirm: Locator;
  readonly submit: Locator;
  readonly alert: Locator;
  readonly rules: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Change your password' });
    this.current = page.getByLabel('Current password');
    this.newPassword = page.getByLabel('New password', { exact: true });
    this.confirm = page.getByLabel('Confirm new password');
    this.submit = page.getByRole('button', { name: 'Change password' });
    this.alert = page.locator('form').getByRole('alert');
    this.rules = page.getByRole('list', { name: 'Password rules' }).getByRole('listitem');
  }

  rule(text: string): Locator {
    return this.rules.filter({ hasText: text });
  }

  async expectVisible() {
    await expect(this.page).toHaveURL(/\/change-password$/);
    await expect(this.heading).toBeVisible();
  }

  async change(current: string, next: string) {
    await this.current.fill(current);
    await this.newPassword.fill(next);
    await this.confirm.fill(next);
    await this.submit.click();
  }
}

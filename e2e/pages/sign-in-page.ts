import { expect, type Locator, type Page } from '@playwright/test';

/** `/signin`. */
export class SignInPage {
  readonly heading: Locator;
  readonly username: Locator;
  readonly password: Locator;
  readonly submit: Locator;
  readonly alert: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Sign in' });
    this.username = page.getByLabel('Username');
    this.password = page.getByLabel('Password');
    this.submit = page.getByRole('button', { name: 'Sign in' });
    this.alert = page.locator('form').getByRole('alert');
  }

  async goto() {
    await this.page.goto('/signin');
    await this.expectVisible();
  }

  async expectVisible() {
    await expect(this.page).toHaveURL(/\/signin$/);
    await expect(this.heading).toBeVisible();
  }

  async signIn(username: string, password: string) {
    await this.username.fill(username);
    await this.password.fill(password);
    await this.submit.click();
  }
}

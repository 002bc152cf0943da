import { expect, type Locator, type Page } from '@playwright/test';

/**
 * Signing in to the web app: `/signin` sends the browser to OpenStaff's hosted
 * sign-in page (the provider's), which brings it back signed in.
 */
export class SignInPage {
  readonly heading: Locator;
  readonly username: Locator;
  readonly password: Locator;
  readonly submit: Locator;
  readonly alert: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Sign in', exact: true });
    this.username = page.getByLabel('Sign-in name');
    this.password = page.getByLabel('Password', { exact: true });
    this.submit = page.getByRole('button', { name: 'Sign in', exact: true });
    this.alert = page.getByRole('alert');
  }

  async goto() {
    await this.page.goto('/signin');
    await this.expectVisible();
  }

  async expectVisible() {
    // The page itself, or its answer to a form it refused.
    await expect(this.page).toHaveURL(/\/oauth2\/(authorize\?|sign-in)/);
    await expect(this.heading).toBeVisible();
    await expect(this.page.getByText('to continue to OpenStaff')).toBeVisible();
  }

  async signIn(username: string, password: string) {
    await this.username.fill(username);
    await this.password.fill(password);
    await this.submit.click();
  }
}

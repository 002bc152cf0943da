import { expect, type Locator, type Page } from '@playwright/test';

/** OpenStaff's hosted sign-in page (the identity provider's, not the SPA's). */
export class HostedSignInPage {
  readonly heading: Locator;
  readonly username: Locator;
  readonly password: Locator;
  readonly submit: Locator;
  readonly alert: Locator;
  readonly changeHeading: Locator;
  readonly currentPassword: Locator;
  readonly newPassword: Locator;
  readonly confirmPassword: Locator;
  readonly change: Locator;
  readonly rules: Locator;
  readonly rulesStatus: Locator;
  readonly enrolHeading: Locator;
  readonly setupKey: Locator;
  readonly codeHeading: Locator;
  readonly code: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Sign in', exact: true });
    this.username = page.getByLabel('Sign-in name');
    this.password = page.getByLabel('Password', { exact: true });
    this.submit = page.getByRole('button', { name: 'Sign in', exact: true });
    this.alert = page.getByRole('alert');
    this.changeHeading = page.getByRole('heading', { level: 1, name: 'Choose a new password' });
    this.currentPassword = page.getByLabel('Current password', { exact: true });
    this.newPassword = page.getByLabel('New password', { exact: true });
    this.confirmPassword = page.getByLabel('Confirm new password');
    this.change = page.getByRole('button', { name: 'Change password and continue' });
    this.rules = page.getByRole('list', { name: 'Password rules' });
    this.rulesStatus = page.getByRole('status');
    this.enrolHeading = page.getByRole('heading', { level: 1, name: 'Set up an authenticator app' });
    this.setupKey = page.locator('#secret');
    this.codeHeading = page.getByRole('heading', { level: 1, name: 'Enter the code from your authenticator app' });
    this.code = page.getByLabel('Code', { exact: true });
  }

  /** One line of the forced change's live checklist. */
  rule(text: string): Locator {
    return this.rules.getByRole('listitem').filter({ hasText: text });
  }

  async expectVisible(appName: string) {
    await expect(this.page).toHaveURL(/\/oauth2\/authorize\?/);
    await expect(this.heading).toBeVisible();
    await expect(this.page.getByText(`to continue to ${appName}`)).toBeVisible();
  }

  async signIn(username: string, password: string) {
    await this.username.fill(username);
    await this.password.fill(password);
    await this.submit.click();
  }

  /** The forced change of a password the company directory keeps: it wants the current one. */
  async changeDirectoryPassword(current: string, password: string) {
    await expect(this.changeHeading).toBeVisible();
    await this.currentPassword.fill(current);
    await this.newPassword.fill(password);
    await this.confirmPassword.fill(password);
    await this.change.click();
  }

  /** The admin policy's first sign-in: the key for the app (typed, not scanned). */
  async readSetupKey(): Promise<string> {
    await expect(this.enrolHeading).toBeVisible();
    return ((await this.setupKey.textContent()) ?? '').replace(/\s+/g, '');
  }

  async enrol(code: string) {
    await this.code.fill(code);
    await this.page.getByRole('button', { name: 'Verify and continue' }).click();
  }

  async enterCode(code: string) {
    await expect(this.codeHeading).toBeVisible();
    await this.code.fill(code);
    await this.page.getByRole('button', { name: 'Verify', exact: true }).click();
  }

  async changePassword(password: string) {
    await expect(this.changeHeading).toBeVisible();
    await this.newPassword.fill(password);
    await this.confirmPassword.fill(password);
    await this.change.click();
  }
}

import { expect, type Locator, type Page } from '@playwright/test';

/** The hosted sign-in's "Sign in with badge": the badge page, then the PIN step. */
export class BadgeSignInPage {
  readonly startLink: Locator;
  readonly heading: Locator;
  readonly badge: Locator;
  readonly pinHeading: Locator;
  readonly choosePinHeading: Locator;
  readonly pin: Locator;
  readonly newPin: Locator;
  readonly confirmPin: Locator;
  readonly alert: Locator;

  constructor(readonly page: Page) {
    this.startLink = page.getByRole('button', { name: 'Sign in with badge' });
    this.heading = page.getByRole('heading', { level: 1, name: 'Sign in with your badge' });
    this.badge = page.getByLabel('Badge', { exact: true });
    this.pinHeading = page.getByRole('heading', { level: 1, name: 'Enter your badge PIN' });
    this.choosePinHeading = page.getByRole('heading', { level: 1, name: 'Choose a PIN for your badge' });
    this.pin = page.getByLabel('PIN', { exact: true });
    this.newPin = page.getByLabel('New PIN', { exact: true });
    this.confirmPin = page.getByLabel('Confirm PIN', { exact: true });
    this.alert = page.getByRole('alert');
  }

  /** From the sign-in page to the badge page. */
  async open() {
    await this.startLink.click();
    await expect(this.heading).toBeVisible();
    await expect(this.badge).toBeFocused();
  }

  /** As a USB scanner does: the QR code's text typed into the focused field, then Enter. */
  async scan(credential: string) {
    await this.badge.pressSequentially(credential);
    await this.badge.press('Enter');
  }

  async choosePin(pin: string) {
    await expect(this.choosePinHeading).toBeVisible();
    await this.newPin.fill(pin);
    await this.confirmPin.fill(pin);
    await this.page.getByRole('button', { name: 'Set PIN and continue' }).click();
  }

  async enterPin(pin: string) {
    await expect(this.pinHeading).toBeVisible();
    await this.pin.fill(pin);
    await this.page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }
}

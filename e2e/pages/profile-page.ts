import { expect, type Locator, type Page } from '@playwright/test';
import { secretValue } from './hand-over';

/** `/users/:id`: a profile, password reset and phone numbers. */
export class ProfilePage {
  readonly passwordCard: Locator;
  readonly phoneCard: Locator;
  readonly resetPassword: Locator;
  readonly confirmReset: Locator;
  readonly temporaryPassword: Locator;
  readonly copy: Locator;
  readonly done: Locator;
  readonly newPassword: Locator;
  readonly setPassword: Locator;
  readonly rules: Locator;
  readonly phones: Locator;
  readonly addType: Locator;
  readonly addNumber: Locator;
  readonly addButton: Locator;
  readonly resetDialog: Locator;
  readonly methodsCard: Locator;
  readonly methods: Locator;
  readonly issuePass: Locator;
  readonly passDialog: Locator;
  readonly temporaryAccessPass: Locator;
  readonly stepUp: Locator;
  readonly confirmItsYou: Locator;

  constructor(readonly page: Page) {
    this.passwordCard = page.getByRole('region', { name: 'Password' });
    this.phoneCard = page.getByRole('region', { name: 'Phone numbers for sign-in' });
    this.resetPassword = this.passwordCard.getByRole('button', { name: 'Reset password' });
    this.confirmReset = this.passwordCard.getByRole('button', { name: 'Reset now' });
    this.temporaryPassword = this.passwordCard.getByRole('group', { name: 'Temporary password' });
    this.copy = this.passwordCard.getByRole('button', { name: 'Copy' });
    this.done = this.passwordCard.getByRole('button', { name: 'Done' });
    this.newPassword = this.passwordCard.getByLabel('New password', { exact: true });
    this.setPassword = this.passwordCard.getByRole('button', { name: 'Set password' });
    this.rules = this.passwordCard.getByRole('list', { name: 'Password rules' }).getByRole('listitem');
    this.phones = this.phoneCard.getByRole('list', { name: 'Phone numbers' }).getByRole('listitem');
    this.addType = this.phoneCard.getByLabel('Type');
    this.addNumber = this.phoneCard.getByLabel('Phone number', { exact: true });
    this.addButton = this.phoneCard.getByRole('button', { name: 'Add number' });
    this.resetDialog = this.passwordCard.getByRole('dialog', { name: /^Reset .*'s password\?/ });
    this.methodsCard = page.getByRole('region', { name: 'Sign-in methods' });
    this.methods = this.methodsCard.getByRole('list', { name: 'Sign-in methods' }).getByRole('listitem');
    this.issuePass = this.methodsCard.getByRole('button', { name: 'Issue Temporary Access Pass' });
    this.passDialog = this.methodsCard.getByRole('dialog', { name: /^Issue a Temporary Access Pass/ });
    this.temporaryAccessPass = this.methodsCard.getByRole('group', { name: 'Temporary Access Pass' });
    // The in-place step-up prompt, wherever the sensitive action was.
    this.stepUp = page.getByRole('alert').filter({ has: page.getByRole('heading', { name: "Confirm it's you" }) });
    this.confirmItsYou = this.stepUp.getByRole('button', { name: "Confirm it's you" });
  }

  /** The temporary password as typed: the hand-over shows it in groups of four. */
  async temporaryPasswordValue(): Promise<string> {
    return secretValue(this.temporaryPassword);
  }

  heading(name: string): Locator {
    return this.page.getByRole('heading', { level: 1, name });
  }

  rule(text: string): Locator {
    return this.rules.filter({ hasText: text });
  }

  phone(type: string): Locator {
    return this.phones.filter({ hasText: type });
  }

  /** Every button that would change something for this person. */
  actionButtons(): Locator {
    return this.page
      .getByRole('main')
      .getByRole('button', { name: /^(Reset password|Change .* number|Remove .* number|Add number)$/ });
  }

  async expectLoaded(name: string) {
    await expect(this.heading(name)).toBeVisible();
    await expect(this.phoneCard.getByText('Loading phone numbers…')).toHaveCount(0);
  }
}

import { expect, test, type Page } from '@playwright/test';
import { AppShell } from '../pages/app-shell';
import { HomePage } from '../pages/home-page';
import { HostedSignInPage } from '../pages/hosted-sign-in-page';
import { expectWhole, secretValue } from '../pages/hand-over';
import { ProfilePage } from '../pages/profile-page';
import { SearchPage } from '../pages/search-page';
import { SignInPage } from '../pages/sign-in-page';
import { expectAccessible } from '../support/axe';
import { DEMO_PASSWORD, maria, targetsFor } from '../support/demo';
import { Authenticator } from '../support/totp';

// These run against a server of their own per viewport (see playwright.config.ts):
// admins must sign in with a second factor, and a sensitive action wants a sign-in
// within the last minute. Maria, an Authentication Administrator of two stores,
// enrols her authenticator app at her first sign-in; the tests of this file share
// it, in order, in one worker. The first test enrols the app; the step-up test comes
// after it, so its own sign-in is a quick one (password and code) and its first reset
// lands well inside the one-minute window however loaded the machine is.
test.describe.configure({ mode: 'serial' });

let app: Authenticator | undefined;

/** `2 Dec 2026, 05:47`, the viewer's local time: never `02/12/2026`. */
const WHEN = String.raw`\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}, \d{2}:\d{2}`;

/** Password, then the authenticator app: enrolled the first time, its code after. */
async function signInWithSecondFactor(page: Page) {
  const signIn = new SignInPage(page);
  const hosted = new HostedSignInPage(page);
  await signIn.goto();
  await signIn.signIn(maria.upn, DEMO_PASSWORD);
  if (!app) {
    // A manager with only a password is walked through adding an app first.
    app = new Authenticator(await hosted.readSetupKey());
    await expectAccessible(page);
    await hosted.enrol(await app.code());
  } else {
    await hosted.enterCode(await app.code());
  }
  await new HomePage(page).expectSignedInAs(maria.displayName);
}

async function openProfile(page: Page, name: string) {
  await new AppShell(page).searchFor(name);
  await new SearchPage(page).open(name);
  await new ProfilePage(page).expectLoaded(name);
}

test('a manager gets nothing with a password alone; on My account she adds a second authenticator app with its QR code and key, then removes it with a code', async ({
  page,
  request,
}) => {
  // Two codes of the second app in a row wait for the app's next 30-second step.
  test.setTimeout(120_000);
  // The password-only token endpoint refuses her: admins sign in through the provider.
  const refused = await request.post('/api/v1/auth/token', {
    data: { username: maria.upn, password: DEMO_PASSWORD },
  });
  expect(refused.status()).toBe(403);
  expect((await refused.json()).code).toBe('mfa_required');

  const home = new HomePage(page);
  // The hosted page walks her through adding an app before it lets her in.
  await signInWithSecondFactor(page);

  const methods = home.security.getByRole('list', { name: 'Your sign-in methods' }).getByRole('listitem');
  await expect(methods).toHaveCount(1);
  await home.security.getByRole('button', { name: 'Add an authenticator app' }).click();
  await expect(home.security.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible();
  const key = home.security.getByRole('group', { name: 'Key' });
  await expectWhole(key);
  const second = new Authenticator(await secretValue(key));
  await expectAccessible(page);
  await home.security.getByLabel('Code from the app').fill(await second.code());
  await home.security.getByRole('button', { name: 'Confirm' }).click();
  await expect(home.security.getByRole('status').filter({ hasText: 'Authenticator app added.' })).toBeVisible();
  await expect(methods).toHaveCount(2);

  const added = methods.nth(1);
  await added.getByRole('button', { name: /^Remove/ }).click();
  const dialog = added.getByRole('dialog');
  await expect(dialog).toBeFocused();
  await dialog.getByLabel('A current code from your authenticator app').fill(await second.code());
  await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
  await expect(methods).toHaveCount(1);
  await expectAccessible(page);
});

test('a location-scoped manager signs in with an authenticator app, resets a password, and confirms it is her in place after the step-up window', async ({
  page,
}, testInfo) => {
  // The one test that waits for a real minute: the server's step-up window.
  test.setTimeout(240_000);
  const target = targetsFor(testInfo.project.name).cloud;
  const profile = new ProfilePage(page);

  await signInWithSecondFactor(page);
  await openProfile(page, target.name);

  // Opening the confirmation moves keyboard focus into it.
  await profile.resetPassword.click();
  await expect(profile.resetDialog).toBeFocused();
  // Escape closes it and gives focus back to the button.
  await page.keyboard.press('Escape');
  await expect(profile.resetDialog).toHaveCount(0);
  await expect(profile.resetPassword).toBeFocused();

  await profile.resetPassword.click();
  await profile.confirmReset.click();
  await expect(profile.temporaryPassword).toBeVisible();
  const first = await profile.temporaryPasswordValue();
  expect(first.length).toBeGreaterThanOrEqual(16);
  // Whole on the phone too: nothing cut off in a field.
  await expectWhole(profile.temporaryPassword);
  await expect(profile.temporaryPassword).toContainText(new RegExp(`Expires ${WHEN} \\(in about 24 hours\\)`));
  await expectAccessible(page);
  await profile.done.click();
  // The confirmation, checked once the reset that had to beat the clock is done.
  await profile.resetPassword.click();
  await expectAccessible(page);
  await page.keyboard.press('Escape');

  // Past the step-up window (one minute on this server), the reset asks again.
  await page.waitForTimeout(62_000);
  await profile.resetPassword.click();
  await profile.confirmReset.click();
  await expect(profile.stepUp).toBeVisible();
  // The form is still there, as it was.
  await expect(profile.resetDialog).toBeVisible();
  await expectAccessible(page);

  // She confirms in a popup: the provider's page, her name filled in.
  const popupOpened = page.waitForEvent('popup');
  await profile.confirmItsYou.click();
  const popup = await popupOpened;
  const hosted = new HostedSignInPage(popup);
  await expect(hosted.heading).toBeVisible();
  await expect(hosted.username).toHaveValue(maria.upn);
  await hosted.password.fill(DEMO_PASSWORD);
  await hosted.submit.click();
  await hosted.enterCode(await app!.code());
  await popup.waitForEvent('close');

  // The reset went through without retyping anything.
  await expect(profile.temporaryPassword).toBeVisible();
  const second = await profile.temporaryPasswordValue();
  expect(second).not.toEqual(first);
  await expect(profile.stepUp).toHaveCount(0);
  await expectWhole(profile.temporaryPassword);
  await expectAccessible(page);
});

test('a manager issues a Temporary Access Pass: shown whole with an expiry nobody can misread', async ({
  page,
}, testInfo) => {
  // Its sign-in may wait up to 30 s for the app's next code: the step-up test before
  // it has just used the current one.
  test.setTimeout(90_000);
  const target = targetsFor(testInfo.project.name).phones;
  const profile = new ProfilePage(page);

  await signInWithSecondFactor(page);
  await openProfile(page, target.name);
  await expect(profile.methodsCard).toContainText('Password only');

  await profile.issuePass.click();
  await expect(profile.passDialog).toBeFocused();
  await expectAccessible(page);
  await profile.passDialog.getByLabel('Works for').selectOption({ label: '4 hours' });
  await expect(profile.passDialog.getByLabel('One sign-in only')).toBeChecked();
  await profile.passDialog.getByRole('button', { name: 'Issue pass' }).click();

  await expect(profile.temporaryAccessPass).toBeVisible();
  await expect(profile.temporaryAccessPass).toBeFocused();
  const pass = await secretValue(profile.temporaryAccessPass);
  expect(pass).toMatch(/^[A-Z0-9]{16}$/);
  await expect(profile.temporaryAccessPass.locator('.handover-group')).toHaveCount(4);
  await expect(profile.temporaryAccessPass).toContainText(new RegExp(`Expires ${WHEN} \\(in about 4 hours\\)`));
  await expectWhole(profile.temporaryAccessPass);
  await expect(profile.methods.filter({ hasText: 'Temporary Access Pass' })).toContainText(
    new RegExp(`Expires ${WHEN}`),
  );
  await expectAccessible(page);

  // Shown once; the pass can be revoked while it is active.
  await profile.methodsCard.getByRole('button', { name: 'Done' }).click();
  await expect(profile.temporaryAccessPass).toHaveCount(0);
  await profile.methodsCard.getByRole('button', { name: 'Revoke pass' }).click();
  await profile.methodsCard.getByRole('dialog').getByRole('button', { name: 'Revoke pass' }).click();
  await expect(profile.methodsCard.getByRole('status')).toContainText('no longer works');
});

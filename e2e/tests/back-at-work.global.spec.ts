import { expect, test } from '@playwright/test';
import * as client from 'openid-client';
import { signInAs } from '../pages/admin-pages';
import { HostedSignInPage } from '../pages/hosted-sign-in-page';
import { ProfilePage } from '../pages/profile-page';
import { auth, tokenFor, userId } from '../support/api';
import { expectAccessible } from '../support/axe';
import { DEMO_PASSWORD, maria } from '../support/demo';
import { startRp, type TestRp } from '../support/rp';

/**
 * "Back at work": a manager resets Lina's password in My Staff; Lina opens an
 * application, signs in with the temporary password on OpenStaff's hosted page, is
 * made to change it, and arrives in the application signed in; the refresh token
 * the application held from before the reset no longer works.
 *
 * Global (run after the other specs, one project at a time): other specs reset
 * Lina's password too.
 */
const lina = { name: 'Lina Morel', upn: 'lina.morel@contoso.example' };
const APP = 'Till';

function newPassword(round: string) {
  return `Lantern-Harbor-Violet-${round}-${Date.now() % 100000}`;
}

test.describe('back at work', () => {
  let rp: TestRp;

  test.beforeEach(async ({ request, baseURL }) => {
    rp = await startRp(request, baseURL!, APP);
  });

  test.afterEach(async () => {
    await rp.close();
  });

  test('a reset in My Staff, the temporary password on the hosted page, a forced change, then the application', async ({
    browser,
    page,
    request,
  }) => {
    // Lina has been using the till: her password is set by an earlier reset here.
    const token = await tokenFor(request, maria.upn);
    const linaId = await userId(request, token, lina.upn);
    const reset = await request.post(`/api/v1/users/${linaId}/reset-password`, { headers: auth(token), data: {} });
    expect(reset.ok()).toBeTruthy();
    const earlier = (await reset.json()).temporary_password as string;

    const hosted = new HostedSignInPage(page);
    await page.goto(`${rp.url}/start`);
    await hosted.expectVisible(APP);
    await hosted.signIn(lina.upn, earlier);
    await hosted.changePassword(newPassword('a'));
    await expect(page.getByRole('heading', { name: `Signed in as ${lina.name}` })).toBeVisible();
    const before = rp.signIns[0].tokens.refresh_token!;

    // Her manager resets the password in My Staff.
    const managerContext = await browser.newContext();
    const manager = await managerContext.newPage();
    await signInAs(manager, maria.upn, DEMO_PASSWORD);
    await manager.goto(`/users/${linaId}`);
    const profile = new ProfilePage(manager);
    await profile.resetPassword.click();
    await profile.confirmReset.click();
    await expect(profile.temporaryPassword).toBeVisible();
    const temporary = await profile.temporaryPasswordValue();
    await managerContext.close();

    // Lina opens the application again: her session ended with the reset.
    await page.goto(`${rp.url}/start`);
    await hosted.expectVisible(APP);
    await expectAccessible(page);
    await hosted.signIn(lina.upn, temporary);
    await expect(hosted.changeHeading).toBeVisible();
    await expectAccessible(page);
    // The same live checklist as My Staff's change page, kept up by the page's script.
    await hosted.newPassword.fill('short');
    await hosted.confirmPassword.fill('short');
    await expect(hosted.rule('At least 12 characters')).toHaveAttribute('data-met', 'false');
    await expect(hosted.rule('At least 12 characters')).toContainText('Not met');
    await expect(hosted.rule('Both new passwords match')).toHaveAttribute('data-met', 'true');
    await expect(hosted.rule('Does not contain your name')).toHaveAttribute('data-met', 'true');
    await expect(hosted.rulesStatus).toHaveText('2 of 3 password rules met');
    await expectAccessible(page);
    await hosted.change.click();
    await expect(hosted.alert).toBeVisible();
    await expectAccessible(page);
    await hosted.changePassword(newPassword('b'));
    await expect(page.getByRole('heading', { name: `Signed in as ${lina.name}` })).toBeVisible();
    expect(rp.signIns[1].claims.preferred_username).toBe(lina.upn);

    // The refresh token from before the reset no longer works.
    const refused = await client.refreshTokenGrant(rp.config, before).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(client.ResponseBodyError);
    expect((refused as client.ResponseBodyError).error).toBe('invalid_grant');
  });
});

import { expect, test, type APIRequestContext, type Browser, type Page } from '@playwright/test';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { AppShell } from '../pages/app-shell';
import { BadgeSignInPage } from '../pages/badge-sign-in-page';
import { HomePage } from '../pages/home-page';
import { HostedSignInPage } from '../pages/hosted-sign-in-page';
import { SearchPage } from '../pages/search-page';
import { SignInPage } from '../pages/sign-in-page';
import { auth } from '../support/api';
import { expectAccessible } from '../support/axe';
import { admin, DEMO_PASSWORD, store012 } from '../support/demo';
import { startRp, type TestRp } from '../support/rp';
import { Authenticator } from '../support/totp';

// A cashier signs in to a shared till with her printed badge and a PIN. Runs against
// the security servers (one per viewport: admins sign in with a second factor, and a
// sensitive action wants a sign-in within the last minute). So that it shares no
// authenticator app with the other security specs, it brings its own people: the
// Global Administrator (who enrols an app here) makes a manager for Store 012 and a
// cashier there, and registers the till application.

const MANAGER = { upn: 'bea.badge@contoso.example', name: 'Bea Badge' };
const CASHIER = { upn: 'cara.cashier@contoso.example', name: 'Cara Cashier' };
const PASSWORD = 'Lantern-Orchard-Pebble-83';
const PIN = '40718293';
const WRONG_PIN = '95173086';

/** Signs `upn` in to the web app, enrolling an authenticator app (the admin policy). */
async function signInEnrolling(page: Page, upn: string, password: string, name: string) {
  const signIn = new SignInPage(page);
  await signIn.goto();
  await signIn.signIn(upn, password);
  const hosted = new HostedSignInPage(page);
  const app = new Authenticator(await hosted.readSetupKey());
  await hosted.enrol(await app.code());
  await new HomePage(page).expectSignedInAs(name);
  return app;
}

/** The same person again, with the app's next code: a fresh sign-in for the step-up. */
async function signInWithCode(page: Page, upn: string, app: Authenticator, name: string) {
  const signIn = new SignInPage(page);
  await signIn.goto();
  await signIn.signIn(upn, PASSWORD);
  await new HostedSignInPage(page).enterCode(await app.code());
  await new HomePage(page).expectSignedInAs(name);
}

async function accessToken(page: Page): Promise<string> {
  const token = await page.evaluate(() => sessionStorage.getItem('openstaff.access_token'));
  expect(token, 'the web app holds a token').toBeTruthy();
  return token!;
}

/** The manager and the cashier, made by the Global Administrator through the API. */
async function setUp(request: APIRequestContext, token: string) {
  const headers = auth(token);
  const units = await request.get(`/api/v1/administrative-units?search=${encodeURIComponent('Lyon')}`, { headers });
  const unit = (await units.json()).items.find((u: { display_name: string }) => u.display_name === store012);
  expect(unit, store012).toBeTruthy();
  const ids: string[] = [];
  for (const person of [MANAGER, CASHIER]) {
    const made = await request.post('/api/v1/users', {
      headers,
      data: {
        user_principal_name: person.upn,
        display_name: person.name,
        job_title: person === CASHIER ? 'Cashier' : 'Store Manager',
        source: 'cloud',
        password: PASSWORD,
      },
    });
    expect(made.status(), `create ${person.upn}`).toBe(201);
    const id = (await made.json()).id as string;
    ids.push(id);
    const member = await request.post(`/api/v1/administrative-units/${unit.id}/members`, {
      headers,
      data: { user_id: id },
    });
    expect(member.status()).toBe(204);
  }
  const role = await request.post('/api/v1/role-assignments', {
    headers,
    data: {
      principal_id: ids[0],
      role: 'authentication_administrator',
      scope: { type: 'administrative_unit', id: unit.id },
    },
  });
  expect(role.status(), 'the manager role').toBe(201);
}

/** Reads the QR code of the badge as printed: the badge drawn at print resolution (10 px a mm), screenshot, decoded. */
async function readBadge(browser: Browser, svg: string): Promise<string> {
  const context = await browser.newContext({ viewport: { width: 600, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.setContent(
    `<!doctype html><html><body style="margin:0;background:#fff">${svg.replace(
      'width="54mm" height="86mm"',
      'width="540" height="860"',
    )}</body></html>`,
  );
  const shot = PNG.sync.read(await page.locator('svg').first().screenshot());
  await context.close();
  const code = jsQR(new Uint8ClampedArray(shot.data), shot.width, shot.height);
  expect(code, 'a QR code on the printed badge').toBeTruthy();
  return code!.data;
}

/** The till: the application's sign-in, on OpenStaff's hosted page, up to the badge page. */
async function atTheTill(browser: Browser, rp: TestRp, viewport: { width: number; height: number } | null) {
  const context = await browser.newContext(viewport ? { viewport } : {});
  const page = await context.newPage();
  await page.goto(`${rp.url}/start`);
  const badge = new BadgeSignInPage(page);
  await badge.open();
  return { page, badge, close: () => context.close() };
}

test('a cashier signs in to the shared till with her printed badge and PIN; five wrong PINs lock it, her manager unlocks it, then revokes it', async ({
  page,
  browser,
  request,
  baseURL,
  viewport,
}) => {
  // Three sign-ins with an authenticator app, two of which wait for its next code.
  test.setTimeout(240_000);

  // The Global Administrator sets the store up.
  const adminContext = await browser.newContext(viewport ? { viewport } : {});
  const adminPage = await adminContext.newPage();
  await signInEnrolling(adminPage, admin.upn, DEMO_PASSWORD, admin.displayName);
  const adminToken = await accessToken(adminPage);
  await adminContext.close();
  await setUp(request, adminToken);
  const rp = await startRp(request, baseURL!, 'Shared till', adminToken);

  try {
    // The manager issues the cashier's badge on her profile, and prints it.
    const managerApp = await signInEnrolling(page, MANAGER.upn, PASSWORD, MANAGER.name);
    await new AppShell(page).searchFor(CASHIER.name);
    await new SearchPage(page).open(CASHIER.name);
    const card = page.getByRole('region', { name: 'Sign-in badge' });
    await expect(card).toContainText('No badge yet.');
    await card.getByRole('button', { name: 'Issue badge' }).click();
    const dialog = card.getByRole('dialog', { name: /^Issue a sign-in badge for Cara Cashier/ });
    await expect(dialog).toBeFocused();
    await expectAccessible(page);
    await dialog.getByLabel('Works for').selectOption({ label: '90 days' });
    await dialog.getByRole('button', { name: 'Issue badge' }).click();

    const printed = card.getByRole('img', { name: 'Sign-in badge for Cara Cashier' });
    await expect(printed).toBeVisible();
    await expect(printed).toContainText('Cara Cashier');
    await expect(printed).toContainText(store012);
    await expect(printed).toContainText(/Valid until \d{1,2} \w+ \d{4}/);
    await expect(card.getByRole('button', { name: 'Print badge' })).toBeVisible();
    await expectAccessible(page);
    // Printing prints the badge alone.
    // (In print the card around it is hidden, so it is found by its class, not its region.)
    await page.emulateMedia({ media: 'print' });
    await expect(page.locator('.badge-print svg[role="img"]')).toBeVisible();
    await expect(page.getByRole('heading', { level: 2, name: 'Sign-in badge' })).toBeHidden();
    await page.emulateMedia({ media: 'screen' });

    const credential = await readBadge(browser, await card.locator('.badge-print').innerHTML());
    expect(credential).toMatch(/^OSB1\.[A-Z2-7]{32}$/);
    await card.getByRole('button', { name: 'Done' }).click();
    await expect(printed).toHaveCount(0);
    await expect(card.getByRole('list', { name: 'Badges' })).toContainText('Not used yet');

    // At the till: the scanner types the QR code; she chooses her PIN.
    let till = await atTheTill(browser, rp, viewport);
    await expectAccessible(till.page);
    await till.badge.scan(credential);
    await expect(till.badge.choosePinHeading).toBeVisible();
    await expectAccessible(till.page);
    // A PIN that breaks a rule is refused in words that name it.
    await till.badge.choosePin('123456');
    await expect(till.badge.alert).toContainText('digits in a row');
    await expectAccessible(till.page);
    await till.badge.choosePin(PIN);
    await expect(till.page.getByRole('heading', { name: `Signed in as ${CASHIER.name}` })).toBeVisible();
    expect(rp.signIns.at(-1)!.claims.amr).toEqual(['pin']);
    await till.close();

    // Someone else at the till tries five wrong PINs: the badge locks.
    till = await atTheTill(browser, rp, viewport);
    await till.badge.scan(credential);
    for (let left = 4; left >= 1; left--) {
      await till.badge.enterPin(WRONG_PIN);
      await expect(till.badge.alert).toContainText('That PIN is not right');
    }
    await till.badge.enterPin(WRONG_PIN);
    await expect(till.badge.alert).toContainText('This badge is locked after 5 wrong PINs');
    await expect(till.badge.heading).toBeVisible();
    await expectAccessible(till.page);
    await till.badge.scan(credential);
    await expect(till.badge.alert).toContainText('This badge is locked');

    // Her manager unlocks it, signing in afresh (unlocking is a sensitive action: the
    // step-up window here is a minute)...
    const later = await browser.newContext(viewport ? { viewport } : {});
    const managerPage = await later.newPage();
    await signInWithCode(managerPage, MANAGER.upn, managerApp, MANAGER.name);
    await new AppShell(managerPage).searchFor(CASHIER.name);
    await new SearchPage(managerPage).open(CASHIER.name);
    const again = managerPage.getByRole('region', { name: 'Sign-in badge' });
    const badges = again.getByRole('list', { name: 'Badges' });
    await expect(badges).toContainText('Locked after 5 wrong PINs');
    await again.getByRole('button', { name: 'Unlock badge' }).click();
    await again.getByRole('dialog').getByRole('button', { name: 'Unlock badge' }).click();
    await expect(again.getByRole('status').filter({ hasText: 'badge is unlocked' })).toBeVisible();
    await expect(badges).toContainText('Active');
    // ...and, the badge being lost, revokes it.
    await again.getByRole('button', { name: 'Revoke badge' }).click();
    await again.getByRole('dialog').getByRole('button', { name: 'Revoke badge' }).click();
    await expect(again.getByRole('status').filter({ hasText: 'badge no longer works' })).toBeVisible();
    await expect(badges).toContainText('Revoked');
    await expectAccessible(managerPage);
    await later.close();

    // The badge no longer works.
    await till.badge.scan(credential);
    await expect(till.badge.alert).toContainText('This badge no longer works');
    await till.close();
    expect(rp.signIns).toHaveLength(1);
  } finally {
    await rp.close();
  }
});

import { expect, test, type APIRequestContext, type Page, type TestInfo } from '@playwright/test';
import {
  AdminApplicationPage,
  AdminApplicationsPage,
  AdminNav,
  expectNoSidewaysScroll,
  notForYou,
  signInAs,
} from '../pages/admin-pages';
import { auth, tokenFor } from '../support/api';
import { expectAccessible } from '../support/axe';
import { admin, DEMO_PASSWORD, maria, store012, ursula } from '../support/demo';

/** Names and URIs unique to the project, since desktop and mobile share one server. */
function names(testInfo: TestInfo) {
  const p = testInfo.project.name;
  return {
    app: `Rota e2e ${p}`,
    renamed: `Rota e2e ${p} (staff)`,
    redirect: `https://rota-${p}.contoso.example/oidc/callback`,
    loopback: `http://127.0.0.1:4100/${p}/callback`,
  };
}

/**
 * What the token endpoint says to this client id and secret presenting a made-up
 * code: `invalid_grant` once the client is authenticated (the secret works),
 * `invalid_client` when the secret is wrong.
 */
async function tokenEndpointVerdict(request: APIRequestContext, clientId: string, secret: string) {
  const meta = await (await request.get('/.well-known/openid-configuration')).json();
  const res = await request.post(meta.token_endpoint, {
    headers: { Authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
    form: {
      grant_type: 'authorization_code',
      code: 'not-a-real-code',
      redirect_uri: 'https://rota.contoso.example/cb',
      code_verifier: 'v'.repeat(43),
    },
  });
  expect(res.ok()).toBeFalsy();
  return (await res.json()).error as string;
}

/** The secret never reaches the tab's storage. */
async function expectNotStored(page: Page, secret: string) {
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  expect(stored).not.toContain(secret);
}

test('a store manager has no Applications link and is told the page is not for her', async ({ page }) => {
  await signInAs(page, maria.upn, DEMO_PASSWORD);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' })).toHaveCount(0);
  await page.goto('/admin/applications');
  await expect(notForYou(page)).toBeVisible();
  await expect(page.getByText('Only Global Administrators can register and change the applications')).toBeVisible();
  await expect(new AdminNav(page).nav).toHaveCount(0);
  await expectAccessible(page);
});

test('a user administrator manages the directory but not applications', async ({ page }) => {
  await signInAs(page, ursula.upn, DEMO_PASSWORD);
  await page.goto('/admin');
  await expect(page.getByRole('heading', { level: 1, name: 'Admin' })).toBeVisible();
  await expect(new AdminNav(page).link('Users')).toBeVisible();
  await expect(new AdminNav(page).link('Applications')).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Applications' })).toHaveCount(0);

  await page.goto('/admin/applications/00000000-0000-7000-8000-000000000000');
  await expect(notForYou(page)).toBeVisible();
  await expect(page.getByText('Only Global Administrators can register and change the applications')).toBeVisible();
  await expectAccessible(page);
});

test.describe.serial('a global administrator registers, changes and deletes an application', () => {
  // Each step signs in and walks several pages with axe checks: more than the default
  // 30 s on a busy 2-core machine.
  test.describe.configure({ timeout: 90_000 });
  let clientId = '';
  let secret = '';

  test.beforeEach(async ({ page, context }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await signInAs(page, admin.upn, DEMO_PASSWORD);
  });

  test('registers a confidential application and sees its secret once', async ({ page, request }, testInfo) => {
    const n = names(testInfo);
    await page.goto('/admin');
    await page.getByRole('region', { name: 'Admin' }).getByRole('link', { name: 'Applications', exact: true }).click();
    const apps = new AdminApplicationsPage(page);
    await expect(apps.heading).toBeVisible();
    await expect(new AdminNav(page).link('Applications')).toHaveAttribute('aria-current', 'page');
    await expect(apps.confidential).toBeChecked();
    await expect(apps.everyone).toBeChecked();
    await expectAccessible(page);
    await expectNoSidewaysScroll(page);

    // The server decides what a redirect URI may be, and says so at the field.
    await apps.name.fill(n.app);
    await apps.startUrl.fill(`https://rota-${testInfo.project.name}.contoso.example/`);
    await apps.redirectUris.fill(`http://rota-${testInfo.project.name}.contoso.example/oidc/callback`);
    await apps.register.click();
    await expect(apps.redirectUris).toHaveAttribute('aria-invalid', 'true');
    await expect(apps.redirectUris).toHaveAccessibleDescription(/must use https/);
    await expect(apps.redirectUris).toBeFocused();
    await expect(apps.name).toHaveAttribute('aria-invalid', 'false');
    await expect(page.getByRole('alert')).toContainText('Check the highlighted fields');
    await expectAccessible(page);
    await expectNoSidewaysScroll(page);

    await apps.redirectUris.fill(`${n.redirect}\n\n${n.loopback}\n`);
    await apps.register.click();

    const issued = apps.issued;
    await expect(issued.heading(`${n.app} is registered`)).toBeFocused();
    await expect(page.getByText('you will not see it again')).toBeVisible();
    clientId = await issued.clientId.inputValue();
    secret = await issued.secret.inputValue();
    expect(clientId).toMatch(/^[0-9a-f-]{36}$/);
    expect(secret.length).toBeGreaterThanOrEqual(43);
    await issued.copySecret.click();
    await expect(page.getByText('Copied.')).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await expectAccessible(page);
    await expectNoSidewaysScroll(page);

    // The secret shown is the one the token endpoint accepts.
    expect(await tokenEndpointVerdict(request, clientId, secret)).toBe('invalid_grant');
    expect(await tokenEndpointVerdict(request, clientId, `${secret}x`)).toBe('invalid_client');

    // Once done, it is gone for good: not on the page, not in storage, not after a reload.
    await issued.done.click();
    await expect(issued.secret).toHaveCount(0);
    await expect(apps.registerHeading).toBeFocused();
    await expect(apps.name).toHaveValue('');
    await expect(apps.application(n.app)).toContainText('Confidential · Everyone may sign in · 2 redirect URIs');
    await expectNotStored(page, secret);
    await page.reload();
    await expect(apps.application(n.app)).toBeVisible();
    expect(await page.content()).not.toContain(secret);
  });

  test('shows the sign-in details and changes the redirect URIs and who may sign in', async ({ page, baseURL }, testInfo) => {
    const n = names(testInfo);
    const apps = new AdminApplicationsPage(page);
    await apps.goto();
    await apps.application(n.app).getByRole('link').click();

    const app = new AdminApplicationPage(page);
    await expect(app.heading(n.app)).toBeVisible();
    await expect(page).toHaveURL(new RegExp(`/admin/applications/${clientId}$`));
    await expect(app.clientId).toHaveValue(clientId);
    await expect(app.discoveryUrl).toHaveValue(`${baseURL}/.well-known/openid-configuration`);
    await expect(app.redirectUris).toHaveValue(`${n.redirect}\n${n.loopback}`);
    expect(await page.content()).not.toContain(secret);
    await expectAccessible(page);
    await expectNoSidewaysScroll(page);

    // A bad URI among good ones: the server's words, at the field.
    await app.redirectUris.fill(`${n.redirect}\nhttps://rota.contoso.example/cb#section`);
    await app.save.click();
    await expect(app.redirectUris).toHaveAttribute('aria-invalid', 'true');
    await expect(app.redirectUris).toHaveAccessibleDescription(/must not contain a fragment/);
    await expect(app.redirectUris).toBeFocused();

    // Locations chosen but none picked: the server asks for one, at the picker.
    await app.redirectUris.fill(`${n.redirect}\nhttps://rota-${testInfo.project.name}.contoso.example/oidc/second`);
    await app.name.fill(n.renamed);
    await app.chosenLocations.check();
    await app.save.click();
    const picker = page.getByRole('searchbox', { name: 'Add a location' });
    await expect(picker).toBeFocused();
    await expect(page.getByText('Choose at least one location whose members may sign in.')).toBeVisible();
    await expect(app.redirectUris).toHaveAttribute('aria-invalid', 'false');

    await app.addLocation.pick('Lyon', store012);
    await expect(app.locations.filter({ hasText: store012 })).toBeVisible();
    await expectAccessible(page);
    await expectNoSidewaysScroll(page);
    await app.save.click();
    await expect(app.outcome.getByText(`Saved. ${n.renamed} uses these settings from the next sign-in.`)).toBeVisible();
    await expect(app.heading(n.renamed)).toBeVisible();

    // Saved as shown.
    await page.reload();
    await expect(app.heading(n.renamed)).toBeVisible();
    await expect(app.redirectUris).toHaveValue(
      `${n.redirect}\nhttps://rota-${testInfo.project.name}.contoso.example/oidc/second`,
    );
    await expect(app.chosenLocations).toBeChecked();
    await expect(app.locations.filter({ hasText: store012 })).toBeVisible();
    await apps.goto();
    await expect(apps.application(n.renamed)).toContainText('Confidential · Members of 1 location · 2 redirect URIs');
  });

  test('makes a new secret after asking, and the old one stops working', async ({ page, request }, testInfo) => {
    const n = names(testInfo);
    await page.goto(`/admin/applications/${clientId}`);
    const app = new AdminApplicationPage(page);
    await expect(app.heading(n.renamed)).toBeVisible();

    await app.newSecret.click();
    await expect(page.getByText(`Make a new client secret for ${n.renamed}?`)).toBeVisible();
    await expect(app.confirmNewSecret).toBeFocused();
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(app.newSecret).toBeFocused();
    await app.newSecret.click();
    await app.confirmNewSecret.click();

    await expect(app.issued.heading(`New client secret for ${n.renamed}`)).toBeFocused();
    await expect(page.getByText('you will not see it again')).toBeVisible();
    const fresh = await app.issued.secret.inputValue();
    expect(fresh).not.toBe(secret);
    await expect(app.issued.clientId).toHaveValue(clientId);
    await expectAccessible(page);
    await expectNoSidewaysScroll(page);

    expect(await tokenEndpointVerdict(request, clientId, secret)).toBe('invalid_client');
    expect(await tokenEndpointVerdict(request, clientId, fresh)).toBe('invalid_grant');

    await app.issued.done.click();
    await expect(app.issued.secret).toHaveCount(0);
    await expect(page.getByRole('heading', { level: 2, name: 'Client secret' })).toBeFocused();
    await expectNotStored(page, fresh);
    secret = fresh;
  });

  test('deletes the application, saying what happens to people signed in to it', async ({ page, request }, testInfo) => {
    const n = names(testInfo);
    await page.goto(`/admin/applications/${clientId}`);
    const app = new AdminApplicationPage(page);
    await expect(app.heading(n.renamed)).toBeVisible();

    await app.deleteApplication.click();
    await expect(page.getByText(`Delete ${n.renamed}?`)).toContainText('its refresh tokens stop working at once');
    await expect(page.getByText(`Delete ${n.renamed}?`)).toContainText(`People already using ${n.renamed} stay signed in there`);
    const confirm = page.getByRole('button', { name: `Delete ${n.renamed}`, exact: true });
    await expect(confirm).toBeFocused();
    await expectAccessible(page);
    await confirm.click();

    await expect(page.getByRole('heading', { level: 1, name: `${n.renamed} was deleted` })).toBeFocused();
    await expect(page.getByText('its refresh tokens no longer work')).toBeVisible();
    await expectAccessible(page);
    expect(await tokenEndpointVerdict(request, clientId, secret)).toBe('invalid_client');

    await page.getByRole('link', { name: 'Back to applications' }).click();
    const apps = new AdminApplicationsPage(page);
    await expect(apps.heading).toBeVisible();
    await expect(apps.registerHeading).toBeVisible();
    await expect(apps.application(n.renamed)).toHaveCount(0);

    const token = await tokenFor(request, admin.upn);
    const gone = await request.get(`/api/v1/applications/${clientId}`, { headers: auth(token) });
    expect(gone.status()).toBe(404);
  });
});

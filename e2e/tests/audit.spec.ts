import { expect, test } from '@playwright/test';
import { readFile } from 'node:fs/promises';
import { expectNoSidewaysScroll, signInAs } from '../pages/admin-pages';
import { AuditPage } from '../pages/audit-page';
import { auth, tokenFor, userId } from '../support/api';
import { expectAccessible } from '../support/axe';
import { admin, DEMO_PASSWORD, maria } from '../support/demo';

const RESET = 'Reset password (by admin)';
/** A Store 012 member no other spec changes (seed: staff 20, cloud). */
const lina = { name: 'Lina Morel', upn: 'lina.morel@contoso.example' };

test.describe('the audit viewer', () => {
  let linaId: string;

  test.beforeAll(async ({ request }) => {
    // Maria (Authentication Administrator for Store 012) resets Lina's password.
    const token = await tokenFor(request, maria.upn);
    linaId = await userId(request, token, lina.upn);
    const reset = await request.post(`/api/v1/users/${linaId}/reset-password`, {
      headers: auth(token),
      data: {},
    });
    expect(reset.ok(), 'reset as Maria').toBeTruthy();
  });

  test('a store manager sees the reset she did', async ({ page }) => {
    await signInAs(page, maria.upn, DEMO_PASSWORD);
    const audit = new AuditPage(page);
    await audit.goto();
    await expect(audit.events.first()).toBeVisible();

    await audit.filter({ activity: RESET });
    const event = audit.event(RESET, lina.name);
    await expect(event.first()).toBeVisible();
    await expect(event.first()).toContainText('Succeeded');
    await expect(event.first()).toContainText(`by ${maria.upn}`);
    await expect(event.first()).toContainText('My Staff');
    // Only resets are listed now.
    await expect(audit.events.filter({ hasNotText: RESET })).toHaveCount(0);
    await expectAccessible(page);
    await expectNoSidewaysScroll(page);
  });

  test('an administrator filters by target and downloads the CSV', async ({ page }) => {
    await signInAs(page, admin.upn, DEMO_PASSWORD);
    const audit = new AuditPage(page);
    await audit.goto();

    await audit.filter({ activity: RESET, target: linaId, result: 'Succeeded' });
    const event = audit.event(RESET, lina.name, maria.upn);
    await expect(event.first()).toBeVisible();
    await expect(audit.events.filter({ hasNotText: lina.name })).toHaveCount(0);
    await expectAccessible(page);

    const download = await audit.download();
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const path = await download.path();
    const csv = await readFile(path, 'utf8');
    const [header, ...rows] = csv.trim().split(/\r?\n/);
    expect(header).toContain('activity');
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.includes(RESET))).toBe(true);
    expect(csv).toContain(lina.name);
  });

  test('a wrong id in a filter is explained in plain words', async ({ page }) => {
    await signInAs(page, admin.upn, DEMO_PASSWORD);
    const audit = new AuditPage(page);
    await audit.goto();
    await audit.filter({ actor: 'not-an-id' });
    await expect(page.getByRole('alert')).toContainText('actor must be an id');
    await expect(page.getByRole('alert')).not.toContainText('{');

    await audit.clear.click();
    await expect(audit.events.first()).toBeVisible();
  });
});

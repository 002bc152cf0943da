import { expect, test } from '@playwright/test';
import { AdminAccessPage, signInAs } from '../pages/admin-pages';
import { auth, tokenFor } from '../support/api';
import { expectAccessible } from '../support/axe';
import { admin, DEMO_PASSWORD, maria } from '../support/demo';

// Changes the tenant-wide My Staff setting, so it runs in the `global-*` projects (one
// at a time, after everything else) and always puts "all" back.
test.describe.configure({ mode: 'serial' });

test('an administrator limits My Staff to selected people, then opens it to all', async ({
  page,
  request,
}) => {
  await signInAs(page, admin.upn, DEMO_PASSWORD);
  const access = new AdminAccessPage(page);
  try {
    await access.goto();

    // Start from an empty list, whatever the setting was.
    await access.selected.check();
    while ((await access.chosen.count()) > 0) {
      await access.chosen.first().getByRole('button', { name: /^Remove / }).click();
    }
    await expect(page.getByText('No one is selected yet.')).toBeVisible();
    await access.save.click();
    await expect(page.getByRole('alert')).toContainText('Add at least one person');

    await access.picker.pick('Maria', maria.displayName);
    await access.picker.pick('Avery', admin.displayName);
    await expect(access.chosen).toHaveCount(2);
    await access.removeButton(admin.displayName).click();
    await expect(access.chosen).toHaveCount(1);
    await access.picker.pick('Avery Ad', admin.displayName);
    await expectAccessible(page);
    await access.save.click();
    await expect(page.getByText('Saved. 2 people can use My Staff.')).toBeVisible();

    // The choice sticks.
    await access.goto();
    await expect(access.selected).toBeChecked();
    await expect(access.chosen.filter({ hasText: maria.displayName })).toBeVisible();
    await expect(access.chosen.filter({ hasText: admin.displayName })).toBeVisible();

    await access.all.check();
    await access.save.click();
    await expect(page.getByText('Saved. All administrators can use My Staff.')).toBeVisible();
  } finally {
    const token = await tokenFor(request, admin.upn);
    const restored = await request.put('/api/v1/settings/my-staff', {
      headers: auth(token),
      data: { access: 'all', selected_user_ids: [] },
    });
    expect(restored.ok()).toBeTruthy();
  }
});

import { expect, test } from '@playwright/test';

test('an unknown address shows a page-not-found message', async ({ page }) => {
  await page.goto('/no/such/page');
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
});

import { expect, test } from '@playwright/test';

// The explorer at /api/docs/ renders every operation of the served document, and
// Swagger UI's resolver finds every `$ref` (a missing `components.responses` entry
// once showed "Could not resolve reference" on every operation).
test('the API explorer shows every operation with no resolver error', async ({ page, request }, info) => {
  // The explorer is a desktop tool, and one layout is enough to prove the document.
  // It runs with the global specs, alone: Swagger UI renders 30-odd opened
  // operations slowly, and more slowly still beside other tests on a small machine.
  test.skip(info.project.name !== 'global-desktop', 'desktop only');
  test.setTimeout(180_000);
  const doc = await (await request.get('/api/openapi.json')).json();
  const methods = ['get', 'put', 'post', 'delete', 'patch'];
  const operations = Object.values(doc.paths as Record<string, Record<string, unknown>>)
    .flatMap((item) => Object.keys(item).filter((m) => methods.includes(m))).length;
  expect(operations).toBeGreaterThan(30);

  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/api/docs/');
  await expect(page.locator('.swagger-ui .info .title')).toContainText('OpenStaff API');
  await expect(page.locator('.opblock')).toHaveCount(operations);

  // Open every operation so that Swagger UI resolves its parameters, bodies and
  // responses, then look for its resolver's complaints.
  await page
    .locator('.opblock-summary-control')
    .evaluateAll((controls) => controls.forEach((c) => (c as HTMLElement).click()));
  await expect(page.locator('.opblock-body')).toHaveCount(operations);
  await expect(page.locator('.errors-wrapper')).toHaveCount(0);
  const text = await page.evaluate(() => document.body.innerText);
  expect(text).not.toMatch(/could not resolve reference|resolver error/i);
  expect(errors).toEqual([]);
});

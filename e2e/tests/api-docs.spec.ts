import { expect, test } from '@playwright/test';

// The explorer at /api/docs/ renders every operation of the served document, and
// Swagger UI's resolver finds every `$ref` (a missing `components.responses` entry
// once showed "Could not resolve reference" on every operation).
test('the API explorer shows every operation with no resolver error', async ({ page, request }, info) => {
  // The explorer is a desktop tool, and one layout is enough to prove the document.
  test.skip(info.project.name !== 'desktop', 'desktop only');
  // Swagger UI renders 30-odd opened operations slowly on a small machine.
  test.setTimeout(90_000);
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
  await expect(page.getByText(/could not resolve reference|resolver error/i)).toHaveCount(0);
  expect(errors).toEqual([]);
});

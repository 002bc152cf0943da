import { expect, type Locator } from '@playwright/test';

/**
 * The component every secret handed over in person is shown in (a temporary
 * password, a Temporary Access Pass, an authenticator app's key): a group named for
 * what it is, the value in groups of four, a Copy button and the expiry.
 */

/** The characters of the secret, without the spacing between its groups. */
export async function secretValue(handOver: Locator): Promise<string> {
  const text = await handOver.locator('.handover-value').textContent();
  return (text ?? '').replace(/\s+/g, '');
}

/** The secret is whole on screen: nothing cut off, nothing to scroll sideways. */
export async function expectWhole(handOver: Locator) {
  const value = handOver.locator('.handover-value');
  await expect(value).toBeInViewport({ ratio: 1 });
  const width = handOver.page().viewportSize()?.width ?? 0;
  const box = await value.boundingBox();
  expect(box, 'the secret is laid out').not.toBeNull();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(width);
  const overflows = await value.evaluate((el) => el.scrollWidth > el.clientWidth);
  expect(overflows, 'the secret overflows its box').toBe(false);
}

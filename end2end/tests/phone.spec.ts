import { expect, test } from './fixtures';
import { open, signIn } from './helpers';

// At 390 px (a phone), no page scrolls sideways: wide tables scroll inside
// their own box. Measured on the document, the way a thumb would find it.
test.use({ viewport: { width: 390, height: 844 } });

const widthOf = (page: import('@playwright/test').Page) =>
  page.evaluate(() => document.documentElement.scrollWidth);

test('no page scrolls sideways on a phone', async ({ page }, info) => {
  await signIn(page, 'admin');
  for (const path of ['/', '/clusters', '/regions/westus2', '/requests', '/deployments', '/admin/audit']) {
    await open(page, info, path);
    expect(await widthOf(page), `${path} fits 390 px`).toBeLessThanOrEqual(390);
  }
  // The public status page carries no app script.
  await page.goto('/status');
  expect(await widthOf(page), '/status fits 390 px').toBeLessThanOrEqual(390);
  await page.context().clearCookies();
  await signIn(page, 'approver1', '/approvals');
  await open(page, info, '/approvals');
  expect(await widthOf(page), '/approvals fits 390 px').toBeLessThanOrEqual(390);
});

import { expect, test } from './fixtures';
import { DEMO } from './helpers';

// /api/docs: the OpenAPI document as a page (Swagger UI, served by Headroom).
// It is a script, so it runs in the hydrated project only; the watcher fails
// the test on any console error, a Content-Security-Policy refusal included.

test('the API docs page signs in, lists the API, runs a call with the session, and loads nothing from elsewhere', async ({ page, baseURL }, info) => {
  test.skip(info.project.name === 'no-js', 'Swagger UI is a script');
  const elsewhere: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(baseURL!) && !r.url().startsWith('data:')) elsewhere.push(r.url());
  });

  // Anonymous: sent to sign in, and back to the docs after.
  await page.goto('/api/docs');
  await expect(page).toHaveURL(/\/login\?next=%2Fapi%2Fdocs$/);
  await page.getByLabel('User name').fill('viewer');
  await page.getByLabel('Password').fill(DEMO.viewer);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/api\/docs$/);

  await expect(page.getByRole('heading', { name: /Headroom API/ })).toBeVisible();
  for (const path of ['/fleet/summary', '/clusters', '/requests/{key}/{action}', '/deployments/{key}/targets/{id}', '/forecast']) {
    await expect(page.locator('.opblock-summary-path', { hasText: new RegExp(`^${path.replace(/[{}/]/g, '\\$&')}$`) }).first()).toBeVisible();
  }

  // GET /fleet/summary, tried out ("Try it out" is on), answers 200 with the browser's session.
  const op = page.locator('#operations-fleet-fleet_summary');
  await op.locator('.opblock-summary').click();
  await op.getByRole('button', { name: 'Execute' }).click();
  await expect(op.locator('.live-responses-table tbody .response-col_status').first()).toHaveText('200');
  await expect(op.locator('.live-responses-table tbody pre').first()).toContainText('"most_constrained"');

  await page.screenshot({ path: info.outputPath('api-docs.png'), fullPage: false });
  expect(elsewhere, 'requests outside Headroom').toEqual([]);
});

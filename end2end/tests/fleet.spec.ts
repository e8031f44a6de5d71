import { expect, test } from './fixtures';
import { hydrated, open, signIn } from './helpers';

test.beforeEach(async ({ page }) => {
  await signIn(page, 'viewer');
});

test('overview shows totals, the health grid and the hot spots', async ({ page }, info) => {
  const { response, errors } = await open(page, info, '/');
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('heading', { name: 'Fleet overview' })).toBeVisible();
  await expect(page.getByTestId('health-grid').locator('tbody tr')).toHaveCount(6);
  await expect(page.getByTestId('most-constrained').locator('tbody tr').first()).toContainText('·');
  await expect(page.getByRole('link', { name: 'Overview' })).toHaveAttribute('aria-current', 'page');
  expect(errors).toEqual([]);
});

test('region page shows the ledger by zone and a trend chart', async ({ page }, info) => {
  await open(page, info, '/');
  await page.getByRole('link', { name: 'West US 2' }).click();
  await expect(page).toHaveURL(/\/regions\/westus2$/);
  await expect(page.getByRole('heading', { name: 'West US 2', level: 1 })).toBeVisible();
  await expect(page.getByRole('img', { name: /Daily utilization of West US 2/ })).toBeVisible();
  await expect(page.getByTestId('zone-sku').locator('tbody tr').first()).toBeVisible();
});

test('the trend chart offers 30 days, 90 days and a year in the URL, a crosshair by pointer and keys, and legend toggles', async ({ page }, info) => {
  await open(page, info, '/regions/westus2');
  const ranges = page.getByTestId('chart-ranges');
  await expect(ranges.getByRole('link', { name: '1 year' })).toHaveAttribute('aria-current', 'page');
  const readout = page.getByTestId('chart-readout');
  const today = new Date().toISOString().slice(0, 10);
  // Without a pointer or a key, the readout gives the latest day's values.
  await expect(readout).toContainText(`${today}: `);
  await expect(readout).toContainText('%');
  await ranges.getByRole('link', { name: '90 days' }).click();
  await expect(page).toHaveURL(/\/regions\/westus2\?range=90d$/);
  await expect(ranges.getByRole('link', { name: '90 days' })).toHaveAttribute('aria-current', 'page');
  const from = new Date(Date.now() - 89 * 86_400_000).toISOString().slice(0, 10);
  await expect(page.getByText(`Daily, ${from} to ${today} (UTC)`)).toBeVisible();
  if (!hydrated(info)) return; // the rest needs the app's script: the same SVG stands without it
  const chart = page.getByRole('img', { name: /Daily utilization of West US 2/ });
  // Keyboard: focus the chart, step back a day.
  await chart.focus();
  await page.keyboard.press('ArrowLeft');
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  await expect(readout).toContainText(`${yesterday}: `);
  await expect(page.getByTestId('crosshair')).toHaveCount(1);
  await page.keyboard.press('Home');
  await expect(readout).toContainText(`${from}: `);
  // Pointer: the left part of the plot reads an early day.
  const box = (await chart.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
  await expect(readout).not.toContainText(`${today}: `);
  await page.screenshot({ path: info.outputPath('chart-crosshair.png'), fullPage: true });
  // The legend hides and shows lines.
  const lines = chart.locator('path[fill="none"]');
  const n = await lines.count();
  expect(n).toBeGreaterThan(1);
  const first = page.getByRole('list', { name: /Lines/ }).getByRole('button').first();
  await first.click();
  await expect(first).toHaveAttribute('aria-pressed', 'false');
  await expect(lines).toHaveCount(n - 1);
  await first.click();
  await expect(lines).toHaveCount(n);
});

test('cluster filters live in the URL and narrow the table', async ({ page }, info) => {
  await open(page, info, '/clusters');
  await page.getByLabel('Region').selectOption('eastus');
  await page.getByLabel('Family').selectOption('gpu');
  await page.getByLabel('Sort').selectOption('-utilization');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/region=eastus/);
  await expect(page).toHaveURL(/family=gpu/);
  await expect(page).toHaveURL(/sort=-utilization/);
  // Only the filters that are set are in the URL (no `zone=&sku=&…`).
  expect(new URL(page.url()).search).toBe('?region=eastus&family=gpu&sort=-utilization');
  // Sortable headers: utilization is sorted most first; a click turns it around.
  await expect(page.getByRole('columnheader', { name: /Utilization/ })).toHaveAttribute('aria-sort', 'descending');
  await page.getByRole('columnheader', { name: /Utilization/ }).getByRole('link').click();
  await expect(page).toHaveURL(/sort=utilization/);
  await expect(page.getByRole('columnheader', { name: /Utilization/ })).toHaveAttribute('aria-sort', 'ascending');
  await page.goBack();
  await expect(page).toHaveURL(/sort=-utilization/);
  const rows = page.getByTestId('clusters').locator('tbody tr');
  await expect(rows.first()).toContainText('eastus-az');
  const regions = await rows.locator('td:nth-child(2)').allTextContents();
  expect(regions.length).toBeGreaterThan(0);
  expect(new Set(regions)).toEqual(new Set(['eastus']));
  const exportHref = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
  expect(exportHref).toContain('region=eastus');
  expect(exportHref).toContain('family=gpu');
  // Reloading the URL reproduces the view.
  await open(page, info, page.url());
  await expect(page.getByLabel('Region')).toHaveValue('eastus');
  await expect(page.getByLabel('Family')).toHaveValue('gpu');
});

test('keyset pages follow on', async ({ page }, info) => {
  await open(page, info, '/clusters');
  const firstPage = await page.getByTestId('clusters').locator('tbody tr td:first-child').allTextContents();
  expect(firstPage).toHaveLength(50);
  await expect(page.getByTestId('position')).toHaveText(/^[\d,]+ clusters · page 1 of \d+$/);
  await page.getByTestId('next-page').click();
  await expect(page).toHaveURL(/cursor=/);
  await expect(page.getByTestId('position')).toHaveText(/^[\d,]+ clusters · page 2 of \d+$/);
  await expect(page.getByRole('link', { name: '← First page' })).toBeVisible();
  const secondPage = await page.getByTestId('clusters').locator('tbody tr td:first-child').allTextContents();
  expect(secondPage).toHaveLength(50);
  expect(secondPage[0] > firstPage[49]).toBe(true);
});

test('a cluster page shows its ledger bar', async ({ page }, info) => {
  await open(page, info, '/clusters?region=westus2');
  await page.getByTestId('clusters').locator('tbody tr a').first().click();
  await expect(page).toHaveURL(/\/clusters\/\d+$/);
  await expect(page.getByRole('img', { name: /total: .* allocated, .* free/ })).toBeVisible();
  await expect(page.getByTestId('lifecycle')).toBeVisible();
});

test('unknown pages are a real 404', async ({ page }, info) => {
  const { response } = await open(page, info, '/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'There is no page here' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
});

test('bad filters get a 400 that names the field', async ({ page }, info) => {
  const { response } = await open(page, info, '/clusters?zone=9');
  expect(response?.status()).toBe(400);
  await expect(page.getByRole('alert')).toContainText('zone');
});

test('hydration: the theme toggle and client-side navigation work', async ({ page }, info) => {
  test.skip(!hydrated(info), 'needs the WASM app');
  await open(page, info, '/');
  const html = page.locator('html');
  const before = (await html.getAttribute('class')) ?? '';
  await page.getByTestId('theme-toggle').click();
  await expect(html).not.toHaveClass(before);
  const chosen = (await html.getAttribute('class'))!.trim();
  expect(['dark', 'light']).toContain(chosen);
  // The choice is remembered: the server renders it on the next load.
  await page.reload();
  await expect(html).toHaveClass(chosen);
  // Client-side routing keeps the JS world alive (no full page load).
  await page.evaluate(() => ((window as any).__stillHere = true));
  await page.getByRole('link', { name: 'Clusters' }).click();
  await expect(page.getByRole('heading', { name: 'Clusters' })).toBeVisible();
  await expect(page.getByTestId('clusters').locator('tbody tr')).toHaveCount(50);
  expect(await page.evaluate(() => (window as any).__stillHere)).toBe(true);
});

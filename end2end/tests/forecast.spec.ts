import { expect, test } from './fixtures';
import { fileRequests, hydrated, open, signIn } from './helpers';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** A day as the pages write it: `1 Dec 2026` (UTC). */
const human = (d: Date) => `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;

test('the what-if page keeps its scenario in the URL and moves the dates, with or without scripts', async ({ page }, info) => {
  await signIn(page, 'viewer');
  const { response, errors } = await open(page, info, '/forecast?region=westus2&sku=Dv5');
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('heading', { name: 'Forecast', level: 1 })).toBeVisible();
  const rows = page.getByTestId('forecast-table').locator('tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('westus2 · Dv5');
  await expect(page.getByTestId('forecast-chart')).toHaveCount(1);
  await expect(page.getByTestId('forecast-band')).toHaveCount(1);
  await expect(page.getByLabel('Regions (none: all)')).toHaveValues(['westus2']);
  await expect(page.getByLabel('SKU', { exact: true })).toHaveValue('Dv5');
  const exhaustion = rows.first().getByTestId('exhaustion');
  const today = human(new Date());
  await expect(exhaustion).not.toHaveText(today);

  // A hypothetical demand far beyond the region's capacity runs it out today.
  if (hydrated(info)) await page.evaluate(() => ((window as any).__samePage = true));
  await page.getByLabel('Units (added to each region × SKU shown)').first().fill('100000000');
  if (!hydrated(info)) await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/demand_units=100000000/);
  await expect(exhaustion).toHaveText(today);
  await expect(page.getByTestId('forecast-sentence').first()).toContainText(`runs out ${today}`);
  // The roll-up of the one SKU asked for moves with it.
  const family = page.getByTestId('forecast-by-family').locator('tbody tr');
  await expect(family).toHaveCount(1);
  await expect(family.first()).toContainText('westus2 · general');
  await expect(family.first()).toContainText(today);
  if (hydrated(info)) {
    // Re-projected in the page: no page load, and only the toggles that differ from the defaults in the URL.
    expect(await page.evaluate(() => (window as any).__samePage)).toBe(true);
    expect(new URL(page.url()).search).toBe('?region=westus2&sku=Dv5&demand_units=100000000');
  }
  // The link reproduces the scenario.
  await open(page, info, '/forecast?region=westus2&sku=Dv5&demand_units=100000000');
  await expect(page.getByTestId('forecast-table').locator('tbody tr').first().getByTestId('exhaustion')).toHaveText(today);
  await expect(page.getByLabel('Units (added to each region × SKU shown)').first()).toHaveValue('100000000');
  await page.screenshot({ path: info.outputPath('forecast.png'), fullPage: true });

  // A bad toggle is named, not a crash.
  await open(page, info, '/forecast?region=westus2&growth=99');
  await expect(page.getByRole('alert')).toContainText('growth');
  expect(errors).toEqual([]);
});

test('the overview lists the soonest to run out and a region page charts its forecast', async ({ page }, info) => {
  await signIn(page, 'viewer');
  await open(page, info, '/');
  await expect(page.getByRole('heading', { name: 'Soonest to run out' })).toBeVisible();
  const soonest = page.getByTestId('forecast-table').locator('tbody tr');
  expect(await soonest.count()).toBeGreaterThan(0);
  await open(page, info, '/regions/westus2');
  await expect(page.getByRole('heading', { name: 'Forecast', level: 2 })).toBeVisible();
  // A chart per family (its SKUs summed), one per row of the roll-up, and the soonest SKU's.
  const families = await page.getByTestId('forecast-family').count();
  expect(families).toBeGreaterThan(0);
  await expect(page.getByTestId('forecast-by-family').locator('tbody tr')).toHaveCount(families);
  await expect(page.getByTestId('forecast-chart')).toHaveCount(families + 1);
  await expect(page.getByTestId('forecast-family').first()).toContainText(/SKUs? summed: runs out/);
  // The region's year of used units carries on into the forecast.
  await expect(page.getByTestId('forecast-family').first()).toContainText('used, past year');
  await expect(page.getByTestId('forecast-sentence')).toContainText('runs out');
  await page.getByRole('link', { name: /What if/ }).click();
  await expect(page).toHaveURL(/\/forecast\?region=westus2$/);
  await expect(page.getByRole('heading', { name: 'Forecast', level: 1 })).toBeVisible();
});

test('an approver sees what approving a request does to its forecast, with or without scripts', async ({ page, playwright }, info) => {
  const { keys } = await fileRequests(playwright, info.project.use.baseURL!, 1, `forecast-${info.project.name}`);
  await signIn(page, 'approver1');
  await open(page, info, `/requests/${keys[0]}`);
  await expect(page.getByTestId('forecast-impact')).toContainText(/Approving this (moves|leaves) westus2 · Dv5/);
});

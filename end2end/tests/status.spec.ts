import { expect, test } from './fixtures';
import { open, signIn } from './helpers';

// The public status page is plain HTML (no scripts), so it is the same page in
// both projects; the admin's notices page is an app page and runs in both modes.
// serve-for-tests.sh sets status.refresh_seconds to 1, so a notice shows at once.

test('anyone reads /status without signing in, and it runs no scripts', async ({ page }, info) => {
  const scripts: string[] = [];
  page.on('request', (r) => { if (['script', 'fetch', 'xhr'].includes(r.resourceType())) scripts.push(r.url()); });
  const response = await page.goto('/status');
  expect(response!.status()).toBe(200);
  expect(response!.headers()['content-security-policy']).not.toContain('nonce');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Capacity status');
  await expect(page.locator('[data-overall]')).toBeVisible();
  await expect(page.locator('#region-westus2')).toContainText('westus2');
  await expect(page.locator('#region-westus2 i.hb')).toHaveCount(90);
  await expect(page.locator('#region-westus2 i.hb').last()).toHaveAttribute('title', /^\d{4}-\d{2}-\d{2} (available|limited|unavailable|maintenance|incident|no data)$/);
  // The stylesheet applied: bars are drawn, not zero-sized.
  const bar = await page.locator('#region-westus2 i.hb').first().boundingBox();
  expect(bar!.height).toBeGreaterThan(10);
  await expect(page.locator('script')).toHaveCount(0);
  expect(scripts).toEqual([]);
  await page.screenshot({ path: info.outputPath('status.png'), fullPage: true });
});

test('each region shows its SKU families, a date axis and its days limited, with day details by keyboard and touch', async ({ page }, info) => {
  await page.goto('/status');
  const regions = page.locator('li[id^="region-"]');
  const n = await regions.count();
  expect(n).toBeGreaterThan(2);
  for (let i = 0; i < n; i++) {
    const region = regions.nth(i);
    const state = await region.getAttribute('data-state');
    const chips = region.locator('li[data-family]');
    expect(await chips.count()).toBeGreaterThan(0);
    // The region is the worst of its components (no notices are active in a fresh demo).
    const order = ['available', 'maintenance', 'limited', 'incident', 'unavailable'];
    const worst = Math.max(...(await chips.evaluateAll((els) => els.map((e) => e.getAttribute('data-state')!))).map((s) => order.indexOf(s)));
    expect(order[worst]).toBe(state);
    await expect(region.getByText('Today')).toBeVisible();
    await expect(region.getByText(/\d+ days? limited in the last 90/)).toBeVisible();
  }
  // A region with limited days lists them: a summary reached by Tab, opened by Enter.
  const withDays = page.locator('li[id^="region-"]:has(details)').first();
  const summary = withDays.locator('summary');
  await expect(summary).toContainText(/Day by day: \d+ days?/);
  await expect(withDays.locator('details li').first()).toBeHidden();
  await summary.focus();
  await page.keyboard.press('Enter');
  await expect(withDays.locator('details li').first()).toBeVisible();
  await expect(withDays.locator('details li').first()).toContainText(/(limited|unavailable|notice)/);
  await page.screenshot({ path: info.outputPath('status-days.png'), fullPage: true });
});

test('at 390 px the status page does not scroll sideways, and a tap opens day details', async ({ browser }, info) => {
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, javaScriptEnabled: false });
  const base = `http://127.0.0.1:${process.env.HEADROOM_E2E_PORT ?? 3100}`;
  await phone.goto(`${base}/status`);
  const width = await phone.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(390);
  const withDays = phone.locator('li[id^="region-"]:has(details)').first();
  await withDays.locator('summary').tap();
  await expect(withDays.locator('details li').first()).toBeVisible();
  await phone.screenshot({ path: info.outputPath('status-390.png'), fullPage: true });
  await phone.close();
});

test('an admin publishes, updates and resolves a notice that shows on /status', async ({ page }, info) => {
  // A region whose capacity is healthy, so the notice decides its state.
  const visitor = await page.context().browser()!.newPage({ javaScriptEnabled: false });
  const base = `http://127.0.0.1:${process.env.HEADROOM_E2E_PORT ?? 3100}`;
  await visitor.goto(`${base}/status`);
  const region = (await visitor.locator('li[id^="region-"][data-state="available"]').first().getAttribute('id'))!.replace('region-', '');
  const row = visitor.locator(`#region-${region}`);
  const title = `Placement delays in ${region} (${info.project.name})`;
  await signIn(page, 'admin', '/admin/notices');
  await open(page, info, '/admin/notices');
  await page.getByLabel('Kind').selectOption('incident');
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Affected regions').fill(region);
  await page.getByLabel('First update').fill('We are investigating slow placement of new VMs.');
  await page.getByRole('button', { name: 'Publish' }).click();
  const card = page.getByTestId('notice').filter({ hasText: title });
  await expect(card).toContainText('We are investigating slow placement of new VMs.');

  // The public page shows it (as anyone would see it) and the region has an incident.
  await expect(async () => {
    await visitor.goto(`${base}/status`);
    await expect(visitor.locator('main')).toContainText(title, { timeout: 500 });
  }).toPass({ timeout: 10_000 });
  await expect(row).toHaveAttribute('data-state', 'incident');
  await visitor.screenshot({ path: info.outputPath('status-with-notice.png'), fullPage: true });

  // An update, then the resolution.
  await card.getByRole('textbox').fill('A fix is rolling out.');
  await card.getByRole('button', { name: 'Post update' }).click();
  await expect(card).toContainText('A fix is rolling out.');
  await card.getByRole('textbox').fill('Placement is back to normal.');
  await card.getByLabel('Resolve with this update').check();
  await card.getByRole('button', { name: 'Post update' }).click();
  await expect(page.getByTestId('notice').filter({ hasText: title })).toContainText('resolved');

  await expect(async () => {
    await visitor.goto(`${base}/status`);
    await expect(visitor.locator('#recent').locator('..')).toContainText(title, { timeout: 500 });
  }).toPass({ timeout: 10_000 });
  await expect(row).toHaveAttribute('data-state', 'available');
  await visitor.close();
});

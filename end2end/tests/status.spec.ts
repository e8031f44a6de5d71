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
  await expect(page.locator('#region-westus2 i.hb').last()).toHaveAttribute('title', /^\d{4}-\d{2}-\d{2} (operational|constrained|critical|no data)$/);
  // The stylesheet applied: bars are drawn, not zero-sized.
  const bar = await page.locator('#region-westus2 i.hb').first().boundingBox();
  expect(bar!.height).toBeGreaterThan(10);
  await expect(page.locator('script')).toHaveCount(0);
  expect(scripts).toEqual([]);
  await page.screenshot({ path: info.outputPath('status.png'), fullPage: true });
});

test('an admin publishes, updates and resolves a notice that shows on /status', async ({ page }, info) => {
  // A region whose capacity is healthy, so the notice decides its state.
  const visitor = await page.context().browser()!.newPage({ javaScriptEnabled: false });
  const base = `http://127.0.0.1:${process.env.HEADROOM_E2E_PORT ?? 3100}`;
  await visitor.goto(`${base}/status`);
  const region = (await visitor.locator('li[data-state="operational"]').first().getAttribute('id'))!.replace('region-', '');
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

  // The public page shows it (as anyone would see it) and the region is degraded.
  await expect(async () => {
    await visitor.goto(`${base}/status`);
    await expect(visitor.locator('main')).toContainText(title, { timeout: 500 });
  }).toPass({ timeout: 10_000 });
  await expect(row).toHaveAttribute('data-state', 'degraded');
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
  await expect(row).toHaveAttribute('data-state', 'operational');
  await visitor.close();
});

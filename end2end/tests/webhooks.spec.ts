import { expect, test } from './fixtures';
import { open, signIn } from './helpers';

// The admin page's webhooks: plain forms, so the same steps work with and
// without the app's script. The destination is a public address literal (no
// DNS here); nothing answers there, so the test event's attempt fails and
// waits for its retry — which the delivery log shows.

test('an admin subscribes a URL, sees its secret, sends a test event and removes it', async ({ page }, info) => {
  await signIn(page, 'admin', '/admin/webhooks');
  const { errors } = await open(page, info, '/admin/webhooks');
  await expect(page.getByRole('heading', { name: 'Subscribe a URL' })).toBeVisible();

  // A loopback destination is refused while webhooks.allow_private is off.
  await page.getByLabel('URL', { exact: true }).fill('http://127.0.0.1:9/hook');
  await page.getByLabel('Events', { exact: true }).fill('notice.*');
  await page.getByRole('button', { name: 'Subscribe' }).click();
  await expect(page.getByText(/webhooks\.allow_private/).first()).toBeVisible();

  const url = `http://8.8.8.8:9/e2e-${info.project.name}-${Date.now()}`;
  await page.getByLabel('URL', { exact: true }).fill(url);
  await page.getByLabel('Events', { exact: true }).fill('request.* notice.published');
  await page.getByRole('button', { name: 'Subscribe' }).click();
  const card = page.getByTestId('webhook').filter({ hasText: url });
  await expect(card).toBeVisible();
  await expect(card).toContainText('request.submitted request.approved');
  await expect(card).toContainText('No deliveries yet.');
  await card.getByText('Signing secret').click();
  await expect(card.locator('code')).toContainText('whsec_');

  await card.getByRole('button', { name: 'Send a test event' }).click();
  const row = page.getByTestId('webhook').filter({ hasText: url }).getByTestId('delivery');
  await expect(row).toContainText('webhook.test');
  await page.screenshot({ path: info.outputPath('webhooks.png'), fullPage: true });

  await page.getByTestId('webhook').filter({ hasText: url }).getByRole('button', { name: 'Remove' }).click();
  await expect(page.getByTestId('webhook').filter({ hasText: url })).toHaveCount(0);
  expect(errors).toEqual([]);
});

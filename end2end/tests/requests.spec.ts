import { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { DEMO, fileRequests, needBy, open, signIn } from './helpers';

async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
}

test('a GPU request goes from draft to fulfilled through two approvers and an operator', async ({ page }, info) => {
  // The requester files a draft, then submits it.
  await signIn(page, 'requester', '/requests/new');
  await open(page, info, '/requests/new');
  await page.getByLabel('Region').selectOption('westus2');
  await page.getByLabel('SKU').selectOption('ND-H100-v5');
  // The form shows the chosen region × SKU's headroom: live once hydrated,
  // through the "Show headroom" button without JS.
  if (info.project.name === 'no-js') {
    await page.getByRole('button', { name: 'Show headroom' }).click();
    await expect(page.getByLabel('SKU')).toHaveValue('ND-H100-v5');
  }
  await expect(page.getByTestId('headroom-now')).toContainText(/[\d,]+ GPU free of [\d,]+ in westus2 · ND-H100-v5/);
  await page.getByLabel('Quantity (units)').fill('8');
  // Hydrated, "after your request" follows the quantity as it is typed.
  if (info.project.name !== 'no-js') {
    await expect(page.getByTestId('headroom-after')).toContainText(/After your request: [\d,]+ GPU free/);
  }
  await page.getByLabel('Need by').fill(needBy(120));
  await page.getByLabel('Service').fill(`inference-${info.project.name}`);
  await page.getByLabel('Justification').fill('New model launch');
  await page.getByRole('button', { name: 'Save as draft' }).click();
  await expect(page.getByRole('status')).toContainText('is draft');
  const key = (await page.getByRole('heading', { level: 1 }).textContent())!.trim();
  expect(key).toMatch(/^CR-\d+$/);
  await page.getByRole('button', { name: 'Submit' }).click();
  await expect(page.getByRole('status')).toContainText(`${key} submitted; it needs 2 approvals`);
  // The page names what is asked for: units, unit and SKU.
  await expect(page.getByText(/provision 8 GPU of ND-H100-v5 in westus2/)).toBeVisible();
  await expect(page.getByTestId('policy')).toHaveText("needs 2 approvals: rule 'GPU always needs two'");
  await signOut(page);

  // Two approvers, each seeing the headroom their approval leaves.
  for (const approver of ['approver1', 'approver2']) {
    await signIn(page, approver, '/approvals');
    await open(page, info, '/approvals');
    await page.getByTestId('inbox').getByRole('link', { name: key }).click();
    await expect(page.getByTestId('preview')).toContainText('westus2 · ND-H100-v5');
    await page.getByRole('textbox', { name: 'Comment (a reason is required' }).fill(`ok from ${approver}`);
    await page.getByRole('button', { name: 'Approve' }).click();
    await expect(page.getByRole('status')).toContainText(approver === 'approver1'
      ? `${key} approved by you — 1 of 2; waiting for one more approver`
      : `${key} approved by you — 2 of 2; 8 units reserved`);
    if (approver === 'approver1') await expect(page.getByTestId('timeline')).toContainText('approval 1 of 2; still submitted');
    await signOut(page);
  }
  // The operator finds it in the fulfilment queue, then fulfils it naming the change.
  await signIn(page, 'operator', '/fulfilment');
  await open(page, info, '/fulfilment');
  await page.getByTestId('fulfilment').getByRole('link', { name: key }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(key);
  await expect(page.getByTestId('reservations')).toContainText('westus2-az');
  await page.getByRole('textbox', { name: 'Comment (a reason is required' }).fill('CHG-1234');
  await page.getByRole('button', { name: 'Mark fulfilled' }).click();
  await expect(page.getByRole('status')).toContainText(`${key} fulfilled`);
  await expect(page.getByTestId('timeline')).toContainText('fulfill');
  await expect(page.getByTestId('timeline')).toContainText('8 units allocated: westus2-az');
  await expect(page.getByTestId('timeline')).toContainText('approve');
});

test('bad input names the field and keeps what was typed', async ({ page }, info) => {
  await signIn(page, 'requester', '/requests/new');
  await open(page, info, '/requests/new');
  await page.getByLabel('Quantity (units)').fill('12');
  await page.getByLabel('Need by').fill(needBy(120));
  await page.getByLabel('Service').fill('web');
  await page.getByLabel('Justification').fill(' ');
  await page.getByRole('button', { name: 'Submit request' }).click();
  await expect(page.getByRole('alert')).toContainText('justification');
  await expect(page.getByLabel('Service')).toHaveValue('web');
  // Refused for another field, the justification typed is still there (without
  // JS it waited server-side: the URL never carries it).
  await page.getByLabel('Need by').fill('2020-01-01');
  await page.getByLabel('Justification').fill('Holiday peak for the checkout service');
  await page.getByRole('button', { name: 'Submit request' }).click();
  await expect(page.getByRole('alert').first()).toContainText('need_by');
  await expect(page.getByLabel('Justification')).toHaveValue('Holiday peak for the checkout service');
  expect(page.url()).not.toContain('Holiday');
  // So is it after the no-JS "Show headroom" round trip.
  if (info.project.name === 'no-js') {
    await page.getByRole('button', { name: 'Show headroom' }).click();
    await expect(page.getByTestId('headroom-now')).toContainText(/free of/);
    await expect(page.getByLabel('Justification')).toHaveValue('Holiday peak for the checkout service');
    expect(page.url()).not.toContain('Holiday');
  }
});

test('viewers cannot file requests', async ({ page }) => {
  await signIn(page, 'viewer');
  const response = await page.goto('/requests/new');
  expect(response?.status()).toBe(403);
  expect(DEMO.viewer).toBeTruthy();
});

test('an approver decides several requests at once, each checked on its own', async ({ page, playwright }, info) => {
  const { keys, state } = await fileRequests(playwright, info.project.use.baseURL!, 2, `bulk-${info.project.name}`);
  await signIn(page, 'approver2', '/approvals');
  await open(page, info, '/approvals');
  for (const key of keys) await page.getByTestId('inbox').getByLabel(`select ${key}`).check();
  // Hydrated, the page asks first; the first answer is no, and nothing happens.
  const asked: string[] = [];
  if (info.project.name !== 'no-js') {
    page.once('dialog', (d) => { asked.push(d.message()); void d.dismiss(); });
    await page.getByRole('button', { name: 'Approve selected' }).click();
    expect(asked).toEqual(['Approve the selected requests?']);
    for (const key of keys) expect(await state(key)).toBe('submitted');
    page.once('dialog', (d) => void d.accept());
  }
  await page.getByRole('button', { name: 'Approve selected' }).click();
  await expect(page.getByRole('status')).toContainText(`Done: ${keys.map((k) => `${k} approved`).join(', ')}`);
  for (const key of keys) {
    expect(await state(key)).toBe('approved');
    await expect(page.getByTestId('inbox').getByLabel(`select ${key}`)).toHaveCount(0);
  }
});

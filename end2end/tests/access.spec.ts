import { expect, test } from './fixtures';
import { DEMO, hydrated, open, signIn } from './helpers';

test('anonymous visitors are sent to sign in, and come back where they were going', async ({ page }, info) => {
  await page.goto('/clusters?region=eastus');
  await expect(page).toHaveURL(/\/login\?next=/);
  await page.getByLabel('User name').fill('viewer');
  await page.getByLabel('Password').fill(DEMO.viewer);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/clusters\?region=eastus$/);
  await expect(page.getByTestId('signed-in-as')).toHaveText('viewer');
});

test('a wrong password is refused with a message', async ({ page }) => {
  await page.goto('/login');
  await page.getByLabel('User name').fill('viewer');
  await page.getByLabel('Password').fill('not the password at all');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('do not match');
  await expect(page.getByLabel('User name')).toHaveValue('viewer');
});

test('sign out ends the session', async ({ page }, info) => {
  await signIn(page, 'viewer');
  await open(page, info, '/');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/');
  await expect(page).toHaveURL(/\/login\?next=/);
});

test('a viewer gets a 403 page for admin pages and sees no Admin link', async ({ page }, info) => {
  await signIn(page, 'viewer');
  await expect(page.getByRole('link', { name: 'Admin' })).toHaveCount(0);
  const response = await page.goto('/admin/users');
  expect(response?.status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'Your roles do not allow this page' })).toBeVisible();
});

test('an admin sees users and the audit trail, including sign-ins', async ({ page }, info) => {
  await signIn(page, 'admin');
  await page.getByRole('link', { name: 'Admin' }).click();
  await expect(page.getByTestId('users')).toContainText('approver2');
  const { errors } = await open(page, info, '/admin/audit?action=signin');
  await expect(page.getByTestId('audit')).toContainText('signin');
  await expect(page.getByTestId('audit')).toContainText('admin');
  expect(errors).toEqual([]);
});

test('an admin saves a settings area at once and tries the approval policy', async ({ page }, info) => {
  await signIn(page, 'admin', '/admin/settings');
  await open(page, info, '/admin/settings');
  const status = page.locator('#area-status');
  await expect(status.getByLabel(/status\.show_units/)).toHaveValue('off');
  // A refused value names its field and changes nothing in the area.
  await status.getByLabel(/status\.limited_at/).fill('0.999');
  await status.getByLabel(/status\.show_units/).selectOption('on');
  await status.getByRole('button', { name: 'Save public status' }).click();
  await expect(status.getByRole('alert').first()).toContainText('status.limited_at must be below status.unavailable_at');
  // Only the area that was saved says so.
  await expect(status.getByText('Not saved')).toBeVisible();
  await expect(page.getByText('Not saved')).toHaveCount(1);
  await open(page, info, '/admin/settings');
  await expect(page.locator('#area-status').getByLabel(/status\.show_units/)).toHaveValue('off');
  // The tester applies the policy as written.
  const tester = page.getByRole('form', { name: 'Policy tester' });
  const verdict = page.getByTestId('policy-verdict');
  await expect(verdict).toContainText('needs 2 approvals');
  if (hydrated(info)) {
    await tester.getByLabel('Family').selectOption('general');
    await tester.getByLabel('Quantity').fill('10');
    await expect(verdict).toContainText('A 10-unit general request in a healthy region × SKU is approved by policy');
    // Edits to the policy are tried before they are saved.
    await page.locator('#area-policy textarea').fill('everything by one | any | 1');
    await expect(verdict).toContainText("needs 1 approval: rule 'everything by one'");
  } else {
    await page.goto('/admin/settings?test_family=general&test_quantity=10&test_health=healthy');
    await expect(verdict).toContainText('is approved by policy');
  }
  await page.screenshot({ path: info.outputPath('settings.png'), fullPage: true });
});

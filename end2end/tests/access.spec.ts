import { expect, test } from './fixtures';
import { DEMO, open, signIn } from './helpers';

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

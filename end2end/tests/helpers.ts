import { expect, Page, TestInfo } from '@playwright/test';

export const hydrated = (info: TestInfo) => info.project.name === 'hydrated';

/** The demo accounts `seed --demo` creates (demo-only passwords, see the README). */
export const DEMO: Record<string, string> = {
  admin: 'demo-admin-password',
  approver1: 'demo-approver1-password',
  approver2: 'demo-approver2-password',
  requester: 'demo-requester-password',
  operator: 'demo-operator-password',
  viewer: 'demo-viewer-password',
};

/** Signs in through the login form (which works with or without JavaScript). */
export async function signIn(page: Page, name = 'viewer', next = '/') {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('User name').fill(name);
  await page.getByLabel('Password').fill(DEMO[name]);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('signed-in-as')).toHaveText(name);
}

/** Opens a page; in the hydrated project, waits until the WASM app has taken over
 *  and checks that nothing (such as the Content-Security-Policy) broke a script. */
export async function open(page: Page, info: TestInfo, path: string) {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().includes('status of 4')) errors.push(m.text());
  });
  const response = await page.goto(path);
  if (hydrated(info)) {
    await expect(page.locator('body[data-hydrated="true"]'), `hydration of ${path}; page errors: ${errors.join(' | ')}`)
      .toHaveCount(1, { timeout: 30_000 });
  } else {
    await expect(page.locator('body[data-hydrated]')).toHaveCount(0);
  }
  return { response, errors };
}

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

/** A need-by date `days` from today (UTC), `YYYY-MM-DD`: specs stay valid whatever day they run. */
export function needBy(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Files `n` requests as the demo requester through the JSON API, in a context
 * of its own (its own session), each waiting for one approval: a spec's own
 * fixture, so neither project takes another's. Returns the keys and a way to
 * read a request back.
 */
export async function fileRequests(playwright: typeof import('@playwright/test'), baseURL: string, n: number, tag: string) {
  const api = await playwright.request.newContext({ baseURL });
  const signedIn = await api.post('/login', { form: { name: 'requester', password: DEMO.requester, next: '/' }, maxRedirects: 0 });
  expect(signedIn.status()).toBe(303);
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    const filed = await api.post('/api/v1/requests', {
      data: {
        kind: 'provision', region: 'westus2', sku: 'Dv5', quantity: 100, need_by: needBy(30),
        service: `${tag}-${i}`, justification: 'bulk decision fixture', priority: 'P2',
      },
    });
    expect(filed.status()).toBe(201);
    keys.push((await filed.json()).key);
  }
  const state = async (key: string) => (await (await api.get(`/api/v1/requests/${key}`)).json()).state as string;
  return { keys, state };
}

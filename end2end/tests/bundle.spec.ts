import { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { hydrated, open, signIn } from './helpers';

// The WASM is split (`cargo leptos build --split`, `app/src/lazy.rs`): the
// overview and the cluster list come with the main bundle; each other group of
// pages (a region or cluster, requests, deployments, administration) is a chunk
// fetched the first time one of its pages is shown, by a first visit or by
// client-side navigation.

/** The split-off WASM files a page fetched (`split_<group>_view_….wasm`), by group. */
function splitChunks(page: Page): string[] {
  const groups: string[] = [];
  page.on('requestfinished', (r) => {
    const m = /\/pkg\/split_([a-z]+)_view_/.exec(r.url());
    if (m) groups.push(m[1]);
  });
  return groups;
}

test.beforeEach(async ({ page }) => {
  await signIn(page, 'admin');
});

test('a first visit to the overview fetches the main bundle and no page chunk', async ({ page }, info) => {
  test.skip(!hydrated(info), 'no WASM without JavaScript');
  // The sign-in lands on a page whose WASM is fetched after its first paint:
  // let that page finish, so only the visit below is counted.
  await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1, { timeout: 30_000 });
  const chunks = splitChunks(page);
  const wasm: string[] = [];
  page.on('requestfinished', (r) => {
    if (r.url().endsWith('.wasm')) wasm.push(new URL(r.url()).pathname);
  });
  await open(page, info, '/');
  expect(chunks).toEqual([]);
  expect(wasm.filter((p) => /^\/pkg\/headroom\.[^/]+\.wasm$/.test(p))).toHaveLength(1);
});

test('opening a page of each group fetches that group chunk and hydrates it', async ({ page }, info) => {
  test.skip(!hydrated(info), 'no WASM without JavaScript');
  for (const [path, group, heading] of [
    ['/requests', 'requests', 'Capacity requests'],
    ['/deployments', 'deployments', 'Deployments'],
    ['/admin/users', 'admin', 'Administration'],
    ['/regions/westus2', 'fleet', 'West US 2'],
  ]) {
    const chunks = splitChunks(page);
    await open(page, info, path);
    await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
    expect(chunks, path).toContain(group);
  }
});

test('client-side navigation loads a page chunk on first use and renders the page', async ({ page }, info) => {
  test.skip(!hydrated(info), 'no WASM without JavaScript');
  await open(page, info, '/');
  const chunks = splitChunks(page);
  const documents: string[] = [];
  page.on('request', (r) => {
    if (r.resourceType() === 'document') documents.push(r.url());
  });
  await page.getByRole('link', { name: 'Requests', exact: true }).click();
  await expect(page).toHaveURL(/\/requests$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Capacity requests' })).toBeVisible();
  expect(chunks).toContain('requests');
  // The router drew it in place: no page load.
  expect(documents).toEqual([]);
  // Interactive after the chunk loaded: the nav leads back without a reload.
  await page.getByRole('link', { name: 'Overview', exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Fleet overview' })).toBeVisible();
  expect(documents).toEqual([]);
});

import { expect, Page, TestInfo } from '@playwright/test';

export const hydrated = (info: TestInfo) => info.project.name === 'hydrated';

/** Opens a page; in the hydrated project, waits until the WASM app has taken over. */
export async function open(page: Page, info: TestInfo, path: string) {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const response = await page.goto(path);
  if (hydrated(info)) {
    await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1, { timeout: 15_000 });
  } else {
    await expect(page.locator('body[data-hydrated]')).toHaveCount(0);
  }
  return { response, errors };
}

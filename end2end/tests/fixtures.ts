import { expect, test as base } from '@playwright/test';

/**
 * Every spec runs with this watcher: a page error or a console error (other
 * than the browser's own note of a 4xx it was meant to get) fails the test,
 * and in the hydrated project the app page a test ends on must have hydrated
 * (pages outside the app — /status, the 403 page — carry no app script).
 */
export const test = base.extend<{ watch: void }>({
  watch: [
    async ({ page }, use, info) => {
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => {
        if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) errors.push(m.text());
      });
      await use();
      expect(errors, 'console and page errors').toEqual([]);
      const appPage = await page.locator('script[data-hydrate]').count();
      if (info.project.name === 'hydrated' && appPage > 0) {
        await expect(page.locator('body[data-hydrated="true"]'), `hydration of ${page.url()}`).toHaveCount(1, { timeout: 30_000 });
      }
    },
    { auto: true },
  ],
});

export { expect };

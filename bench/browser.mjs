// Time to interactive in Chromium (issue 13): a cold browser context (empty
// cache), the CPU slowed 4× through the DevTools protocol, signed in with an API
// token as the benchmark is. "Interactive" is the moment the WASM app has
// hydrated the page (`<body data-hydrated="true">`, set by the app once it has
// taken over), measured from navigation start (a page with no app to hydrate:
// its load event); the largest contentful paint and
// the bytes the page pulled are read in the same visit.
//   node bench/browser.mjs BASE_URL TOKEN PATH...   prints one JSON line per path
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require(process.env.PLAYWRIGHT_CORE || '../node_modules/playwright-core');

const [base, token, ...paths] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium' });
try {
  for (const path of paths) {
    const context = await browser.newContext({ extraHTTPHeaders: { Authorization: `Bearer ${token}` } });
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error(`${path}: page error: ${e}`));
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await cdp.send('Network.enable');
    let bytes = 0;
    cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; });
    await page.addInitScript(() => {
      // Records when hydration marks the body, and the largest paint so far.
      window.__lcp = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__lcp = Math.max(window.__lcp, e.startTime);
      }).observe({ type: 'largest-contentful-paint', buffered: true });
      const watch = () => {
        const mark = () => {
          if (document.body.dataset.hydrated === 'true' && !window.__hydratedAt) window.__hydratedAt = performance.now();
        };
        new MutationObserver(mark).observe(document.body, { attributes: true });
        mark();
      };
      if (document.body) watch(); else document.addEventListener('DOMContentLoaded', watch);
    });
    await page.goto(base + path, { waitUntil: 'load' });
    // A page without the app's module script (the public status page) has
    // nothing to hydrate: it is interactive once loaded.
    const app = await page.evaluate(() => !!document.querySelector('script[type="module"]'));
    if (app) await page.waitForFunction(() => window.__hydratedAt, null, { timeout: 60_000 });
    await page.waitForTimeout(500);
    const t = await page.evaluate((app) => {
      const nav = performance.getEntriesByType('navigation')[0];
      return {
        hydrates: app,
        interactive_ms: Math.round(app ? window.__hydratedAt : nav.loadEventEnd),
        lcp_ms: Math.round(window.__lcp),
        dom_content_loaded_ms: Math.round(nav.domContentLoadedEventEnd),
        load_ms: Math.round(nav.loadEventEnd),
      };
    }, app);
    console.log(JSON.stringify({ path, ...t, bytes }));
    await context.close();
  }
} finally {
  await browser.close();
}

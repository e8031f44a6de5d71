import { defineConfig } from '@playwright/test';

// Every spec runs twice: with JavaScript disabled (the server-rendered pages and
// GET forms must work on their own) and hydrated (the WASM app takes over).
const port = Number(process.env.HEADROOM_E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  timeout: 30_000,
  // One retry: the no-JS plan editor's preview can render before the template's
  // rings it was applied with (a known SSR race in deployments/pages/new.rs, open);
  // a retried pass is still reported as flaky.
  retries: 1,
  // One browser at a time: on 2 cores a second one starves the server and the WASM compile.
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  projects: [
    { name: 'no-js', use: { javaScriptEnabled: false } },
    { name: 'hydrated', use: { javaScriptEnabled: true } },
  ],
  webServer: {
    command: `bash ./serve-for-tests.sh ${port}`,
    url: `${baseURL}/readyz`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});

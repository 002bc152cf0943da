import { defineConfig, devices } from '@playwright/test';

// One server for the whole run: the release binary on a fresh temporary database,
// seeded with the demo organisation (see support/serve.sh).
const port = Number(process.env.E2E_PORT ?? 18080);
const baseURL = `http://127.0.0.1:${port}`;

// System Chromium only; Playwright never downloads browsers here.
const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

const desktop = { ...devices['Desktop Chrome'], viewport: { width: 1280, height: 800 }, launchOptions };
const mobile = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 3,
  isMobile: true,
  hasTouch: true,
  launchOptions,
};
const GLOBAL = /\.global\.spec\.ts$/;
// `*.directory.spec.ts` run against a second server connected to a real Active
// Directory (a Samba DC, see support/serve-directory.sh).
const DIRECTORY = /\.directory\.spec\.ts$/;
const directoryPort = Number(process.env.E2E_DIRECTORY_PORT ?? 18081);
const directoryURL = `http://127.0.0.1:${directoryPort}`;
// `passkeys.spec.ts` runs against a third server reached at `http://localhost:PORT`:
// WebAuthn needs a host name (its relying-party id), never 127.0.0.1.
const PASSKEYS = /passkeys\.spec\.ts$/;
const passkeyPort = Number(process.env.E2E_PASSKEY_PORT ?? 18082);
const passkeyURL = `http://localhost:${passkeyPort}`;

export default defineConfig({
  testDir: './tests',
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions,
  },
  // `*.global.spec.ts` change tenant-wide state (the My Staff setting): they run after
  // every other test, one project after the other, so nothing races them.
  projects: [
    { name: 'desktop', use: desktop, testIgnore: [GLOBAL, DIRECTORY, PASSKEYS] },
    { name: 'mobile', use: mobile, testIgnore: [GLOBAL, DIRECTORY, PASSKEYS] },
    { name: 'directory', use: { ...desktop, baseURL: directoryURL }, testMatch: DIRECTORY },
    { name: 'passkeys', use: { ...desktop, baseURL: passkeyURL }, testMatch: PASSKEYS },
    {
      name: 'global-desktop',
      use: desktop,
      testMatch: GLOBAL,
      dependencies: ['desktop', 'mobile'],
      workers: 1,
    },
    {
      name: 'global-mobile',
      use: mobile,
      testMatch: GLOBAL,
      dependencies: ['global-desktop'],
      workers: 1,
    },
  ],
  webServer: [
    {
      command: './support/serve.sh',
      url: `${baseURL}/`,
      env: { E2E_PORT: String(port) },
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
    },
    {
      command: './support/serve-passkeys.sh',
      // Ready when it answers on the loopback address it binds.
      url: `http://127.0.0.1:${passkeyPort}/`,
      env: { E2E_PASSKEY_PORT: String(passkeyPort) },
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
      gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
    },
    {
      command: './support/serve-directory.sh',
      url: `${directoryURL}/`,
      env: { E2E_DIRECTORY_PORT: String(directoryPort) },
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: 'ignore',
      stderr: 'pipe',
      gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
    },
  ],
});

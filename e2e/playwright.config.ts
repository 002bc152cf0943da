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
const passkeyPort = Number(process.env.E2E_PASSKEY_PORT ?? 18084);
const passkeyURL = `http://localhost:${passkeyPort}`;
// `*.security.spec.ts` run against servers of their own, one per viewport (each a
// fresh demo database, since the tests enrol the same manager's authenticator
// app), with the admin MFA policy on and a one-minute step-up window.
const SECURITY = /\.security\.spec\.ts$/;
const securityPort = Number(process.env.E2E_SECURITY_PORT ?? 18082);
const securityMobilePort = Number(process.env.E2E_SECURITY_MOBILE_PORT ?? securityPort + 1);
const securityURL = `http://127.0.0.1:${securityPort}`;
const securityMobileURL = `http://127.0.0.1:${securityMobilePort}`;
// Which servers to start (comma-separated: main, directory, security, passkeys;
// default all),
// for running one project without starting the others' servers.
const servers = (process.env.E2E_SERVERS ?? 'main,directory,security,passkeys').split(',');

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
    { name: 'desktop', use: desktop, testIgnore: [GLOBAL, DIRECTORY, SECURITY, PASSKEYS] },
    { name: 'mobile', use: mobile, testIgnore: [GLOBAL, DIRECTORY, SECURITY, PASSKEYS] },
    { name: 'directory', use: { ...desktop, baseURL: directoryURL }, testMatch: DIRECTORY },
    { name: 'passkeys', use: { ...desktop, baseURL: passkeyURL }, testMatch: PASSKEYS },
    { name: 'security-desktop', use: { ...desktop, baseURL: securityURL }, testMatch: SECURITY },
    { name: 'security-mobile', use: { ...mobile, baseURL: securityMobileURL }, testMatch: SECURITY },
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
    ...(servers.includes('main') ? [mainServer()] : []),
    ...(servers.includes('directory') ? [directoryServer()] : []),
    ...(servers.includes('security') ? [securityServer(securityPort), securityServer(securityMobilePort)] : []),
    ...(servers.includes('passkeys') ? [passkeyServer()] : []),
  ],
});

function mainServer() {
  return {
    command: './support/serve.sh',
    url: `${baseURL}/`,
    env: { E2E_PORT: String(port) },
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore' as const,
    stderr: 'pipe' as const,
    gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 5_000 },
  };
}

function directoryServer() {
  return {
    command: './support/serve-directory.sh',
    url: `${directoryURL}/`,
    env: { E2E_DIRECTORY_PORT: String(directoryPort) },
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore' as const,
    stderr: 'pipe' as const,
    gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 10_000 },
  };
}

function securityServer(port: number) {
  return {
    command: './support/serve.sh',
    url: `http://127.0.0.1:${port}/`,
    env: {
      E2E_PORT: String(port),
      OPENSTAFF_ADMIN_MFA: 'required',
      OPENSTAFF_REAUTHENTICATION_MINUTES: '1',
    },
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore' as const,
    stderr: 'pipe' as const,
    gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 5_000 },
  };
}

function passkeyServer() {
  return {
    command: './support/serve.sh',
    // Ready when it answers on the loopback address it binds.
    url: `http://127.0.0.1:${passkeyPort}/`,
    env: { E2E_PORT: String(passkeyPort), E2E_PUBLIC_URL: passkeyURL },
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore' as const,
    stderr: 'pipe' as const,
    gracefulShutdown: { signal: 'SIGTERM' as const, timeout: 5_000 },
  };
}

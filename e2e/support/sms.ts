import { expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * The 8-digit code of the newest text message to `to`, as an operator reads the
 * development outbox (`openstaff sms outbox --json`) of the server under test.
 */
export function lastCode(baseURL: string, to: string): string {
  const port = new URL(baseURL).port;
  const databaseUrl = fs
    .readFileSync(`${process.env.TMPDIR ?? '/tmp'}/openstaff-e2e-${port}.database-url`, 'utf8')
    .trim();
  const bin = process.env.OPENSTAFF_BIN ?? `${process.env.CARGO_TARGET_DIR ?? '../target'}/release/openstaff`;
  const out = execFileSync(bin, ['sms', 'outbox', '--json', '--limit', '100'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, RUST_LOG: 'error' },
  });
  const messages: { to: string; body: string }[] = JSON.parse(out.toString());
  const message = messages.find((m) => m.to === to);
  expect(message, `a text message to ${to}`).toBeTruthy();
  return message!.body.slice(0, 8);
}

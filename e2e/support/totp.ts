import { createHmac } from 'node:crypto';

/** RFC 4648 base32 (no padding) to bytes. */
export function base32Decode(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = text.replace(/[\s=-]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const c of clean) {
    const i = alphabet.indexOf(c);
    if (i < 0) throw new Error(`not base32: ${c}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 TOTP: HMAC-SHA1, 30 s steps, 6 digits (RFC 4226 dynamic truncation). */
export function totp(secret: string, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}

const STEP_MS = 30_000;

/**
 * The authenticator app on the tester's phone. The server takes each code once
 * within its 30-second step, so asking for a second code in the same step waits
 * for the next one: the one wait in these tests that is the clock's, not the app's.
 */
export class Authenticator {
  private lastStep = -1;

  constructor(readonly secret: string) {}

  async code(): Promise<string> {
    let step = Math.floor(Date.now() / STEP_MS);
    if (step <= this.lastStep) {
      const next = (this.lastStep + 1) * STEP_MS;
      await new Promise((resolve) => setTimeout(resolve, next - Date.now() + 250));
      step = Math.floor(Date.now() / STEP_MS);
    }
    this.lastStep = step;
    return totp(this.secret, step);
  }
}

import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

/**
 * The directory specs' Active Directory (a Samba DC started by serve-directory.sh),
 * read with the OpenLDAP tools over verified LDAPS, as an operator would check it.
 */
export const DIRECTORY_PORT = Number(process.env.E2E_DIRECTORY_PORT ?? 18081);
const ip = process.env.E2E_DC_IP ?? '127.0.0.2';
const dc = path.join(process.env.TMPDIR ?? os.tmpdir(), `openstaff-e2e-dc-${DIRECTORY_PORT}`);
const url = `ldaps://${ip}:636`;
const env = { ...process.env, LDAPTLS_CACERT: path.join(dc, 'tls/ca.pem') };
const ADMIN_DN = 'CN=Administrator,CN=Users,DC=corp,DC=example';

/** An attribute of `dn` as ldapsearch shows it. */
export function attribute(dn: string, name: string): string | undefined {
  const out = execFileSync(
    'ldapsearch',
    ['-LLL', '-o', 'ldif-wrap=no', '-x', '-H', url, '-D', ADMIN_DN, '-y', path.join(dc, 'admin-password'), '-s', 'base', '-b', dn, name],
    { env, encoding: 'utf8' },
  );
  const line = out.split('\n').find((l) => l.startsWith(`${name}:`));
  return line?.slice(name.length + 1).trim();
}

/** How the domain answers a simple bind: 'ok', or the diagnostic (e.g. `data 773`). */
export function bind(dn: string, password: string): string {
  try {
    execFileSync('ldapsearch', ['-LLL', '-x', '-H', url, '-D', dn, '-w', password, '-s', 'base', '-b', '', 'dnsHostName'], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return 'ok';
  } catch (e) {
    return String((e as { stderr?: string }).stderr ?? e);
  }
}

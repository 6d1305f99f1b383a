import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShnError } from '@shn/core';

/** True when the `openssl` CLI is on PATH (asked anew each call: it may have been installed since). */
export function opensslAvailable(): boolean {
  return spawnSync('openssl', ['version']).status === 0;
}

/** A certificate and key as PEM text, plus the files they were written to. */
export interface Issued {
  readonly cert: string;
  readonly key: string;
  readonly certFile: string;
  readonly keyFile: string;
}

/** Every certificate the TLS tests need, made fresh with the openssl CLI (P-256 keys). */
export interface TestPki {
  readonly dir: string;
  readonly ca: Issued;
  readonly otherCa: Issued;
  readonly server: Issued;
  /** Same CA, same names, another key: for reload tests. */
  readonly server2: Issued;
  readonly expiredServer: Issued;
  readonly client: Issued;
  readonly otherCaClient: Issued;
  readonly expiredClient: Issued;
  cleanup(): void;
}

function run(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  } catch (e) {
    const err = e as Error & { stderr?: Buffer };
    throw new ShnError('INVALID_ARGUMENT', `makeTestPki: openssl ${args[0] ?? ''} failed: ${err.stderr?.toString().trim() || err.message}`);
  }
}

function read(dir: string, name: string): Issued {
  return {
    cert: readFileSync(join(dir, `${name}.crt`), 'utf8'),
    key: readFileSync(join(dir, `${name}.key`), 'utf8'),
    certFile: join(dir, `${name}.crt`),
    keyFile: join(dir, `${name}.key`),
  };
}

function makeCa(dir: string, name: string): void {
  run(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-subj', `/CN=${name}`, '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
}

function issue(dir: string, ca: string, name: string, cn: string, ext: string, days: number): void {
  writeFileSync(join(dir, `${name}.ext`), ext);
  run(dir, ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
  run(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', String(days), '-extfile', `${name}.ext`]);
}

const SERVER_EXT = 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n';
const CLIENT_EXT = 'subjectAltName=URI:spiffe://shn.test/client\nextendedKeyUsage=clientAuth\nbasicConstraints=CA:FALSE\n';

/**
 * Makes a throwaway PKI for TLS and mTLS tests in a temporary folder with the `openssl` CLI
 * (about 0.3 s): two CAs; server certificates for `localhost` and 127.0.0.1 (one expired, one
 * with another key, for reload tests); client certificates with a SPIFFE URI SAN (one from the
 * other CA, one expired). P-256 keys, valid two days. Call `cleanup()` when done.
 * @throws ShnError `INVALID_ARGUMENT` when the openssl CLI is missing or fails.
 */
export function makeTestPki(): TestPki {
  if (!opensslAvailable()) throw new ShnError('INVALID_ARGUMENT', 'makeTestPki needs the openssl CLI on PATH (Debian: apt-get install -y openssl)');
  const dir = mkdtempSync(join(tmpdir(), 'shn-pki-'));
  try {
    makeCa(dir, 'ca');
    makeCa(dir, 'other-ca');
    issue(dir, 'ca', 'server', 'localhost', SERVER_EXT, 2);
    issue(dir, 'ca', 'server2', 'localhost', SERVER_EXT, 2);
    issue(dir, 'ca', 'expired-server', 'localhost', SERVER_EXT, -1);
    issue(dir, 'ca', 'client', 'shn-client', CLIENT_EXT, 2);
    issue(dir, 'other-ca', 'other-ca-client', 'shn-client', CLIENT_EXT, 2);
    issue(dir, 'ca', 'expired-client', 'shn-client', CLIENT_EXT, -1);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    dir,
    ca: read(dir, 'ca'),
    otherCa: read(dir, 'other-ca'),
    server: read(dir, 'server'),
    server2: read(dir, 'server2'),
    expiredServer: read(dir, 'expired-server'),
    client: read(dir, 'client'),
    otherCaClient: read(dir, 'other-ca-client'),
    expiredClient: read(dir, 'expired-client'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The shn-kv program (dist/main.js) with `--aclfile` and the `--tls-*` flags, in both connection
 * modes: gateway (this Node) and shard-owned (a Node >= 22.12, where every shard parses RESP and
 * so runs the ACL gate itself). SIGHUP reloads the TLS certificate.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { tlsClientOptions } from '@shn/security';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeCommand } from '../resp/command-encoder.js';
import { RawClient } from '../server/raw-client.test-helper.js';
import { hasOpenssl, makeTestPki, type TestPki } from './test-pki.test-helper.js';
import { reusePortNodeOrSkip } from '../server/reuse-port-node.test-helper.js';

const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const children: ChildProcess[] = [];
const pkis: TestPki[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGTERM');
  for (const p of pkis.splice(0)) p.cleanup();
});

interface Demo {
  readonly port: number;
  readonly tlsPort: number;
  readonly mode: string;
  output(): string;
}

function startDemo(node: string, args: string[]): Promise<Demo> {
  return new Promise((resolve, reject) => {
    const p = spawn(node, [main, '--port', '0', '--admin-port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(p);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`shn-kv did not start: ${out}`)), 20_000);
    const check = (): void => {
      const port = /listening on [^ ]*:(\d+)/.exec(out)?.[1];
      const tlsPort = /TLS 1\.3 on [^ ]*:(\d+)/.exec(out)?.[1];
      const mode = /^connections: (.*)$/m.exec(out)?.[1];
      if (port !== undefined && tlsPort !== undefined && mode !== undefined && /connect with/.test(out)) {
        clearTimeout(timer);
        resolve({ port: Number(port), tlsPort: Number(tlsPort), mode, output: () => out });
      }
    };
    p.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      check();
    });
    p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => reject(new Error(`shn-kv exited with ${String(code)}: ${out}`)));
  });
}

async function talk(port: number, commands: string[][]): Promise<unknown[]> {
  const c = await RawClient.open(port);
  try {
    for (let i = 0; i < commands.length; i++) {
      c.send(encodeCommand(commands[i]!));
      await c.waitReplies(i + 1);
    }
    return c.replies.map((r) => (r instanceof Uint8Array ? Buffer.from(r).toString() : r));
  } finally {
    c.close();
  }
}

function fingerprint(port: number, pki: TestPki): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ ...tlsClientOptions({ ca: pki.ca.cert, identity: { cert: pki.client.cert, key: pki.client.key }, servername: 'localhost' }), host: '127.0.0.1', port }, () => {
      const fp = s.getPeerCertificate().fingerprint256;
      s.end();
      resolve(fp);
    });
    s.on('error', reject);
  });
}

async function scenario(node: string, mode: 'gateway' | 'shard-owned'): Promise<void> {
  const pki = makeTestPki();
  pkis.push(pki);
  const certFile = join(pki.dir, 'kv.crt');
  const keyFile = join(pki.dir, 'kv.key');
  copyFileSync(pki.server.certFile, certFile);
  copyFileSync(pki.server.keyFile, keyFile);
  const aclFile = join(pki.dir, 'users.acl');
  writeFileSync(aclFile, 'user default on >defaultpw ~* &* +@all\nuser ro on >ropw ~app:* +@read +@connection +acl|whoami\n');
  const demo = await startDemo(node, ['--shards', '2', '--connections', mode, '--aclfile', aclFile, '--tls-port', '0', '--tls-cert', certFile, '--tls-key', keyFile, '--tls-ca', pki.ca.certFile]);
  expect(demo.mode.startsWith(mode)).toBe(true);

  // 16 connections: every one (on whichever shard the kernel gave it) is gated the same way.
  const shards = new Set<number>();
  const results = await Promise.all(
    Array.from({ length: 16 }, () =>
      talk(demo.port, [['GET', 'app:k'], ['AUTH', 'ro', 'wrong'], ['AUTH', 'ro', 'ropw'], ['CLIENT', 'INFO'], ['ACL', 'WHOAMI'], ['SET', 'app:k', 'v'], ['GET', 'secret'], ['GET', 'app:k']]),
    ),
  );
  for (const r of results) {
    shards.add(Number(/ shard=(\d+)/.exec(String(r[3]))?.[1] ?? -1));
    expect([r[0], r[1], r[2], r[4], r[5], r[6], r[7]]).toEqual([
      { err: 'NOAUTH Authentication required.' },
      { err: 'WRONGPASS invalid username-password pair or user is disabled.' },
      'OK',
      'ro',
      { err: "NOPERM this user has no permissions to run the 'set' command" },
      { err: 'NOPERM this user has no permissions to access one of the keys used as arguments' },
      null,
    ]);
  }
  if (mode === 'shard-owned') expect([...shards].sort()).toEqual([0, 1]);

  // The TLS port (main thread in both modes) with AUTH, then SIGHUP swaps the certificate.
  const tls = tlsClientOptions({ ca: pki.ca.cert, identity: { cert: pki.client.cert, key: pki.client.key }, servername: 'localhost' });
  const r = new Redis({ port: demo.tlsPort, host: '127.0.0.1', tls, password: 'defaultpw', maxRetriesPerRequest: 1 });
  try {
    expect(await r.set('app:k', 'tls')).toBe('OK');
    expect(await talk(demo.port, [['AUTH', 'ro', 'ropw'], ['GET', 'app:k']])).toEqual(['OK', 'tls']);
    const before = await fingerprint(demo.tlsPort, pki);
    copyFileSync(pki.server2.certFile, certFile);
    copyFileSync(pki.server2.keyFile, keyFile);
    children.at(-1)!.kill('SIGHUP');
    while (!/TLS certificate reloaded/.test(demo.output())) await new Promise((res) => setTimeout(res, 20));
    expect(await fingerprint(demo.tlsPort, pki)).not.toBe(before);
    expect(await r.get('app:k')).toBe('tls');
  } finally {
    r.disconnect();
  }
}

describe.skipIf(!hasOpenssl)('shn-kv --aclfile --tls-port (the program)', () => {
  it('gateway mode: every connection is gated; TLS with AUTH; SIGHUP reloads the certificate', async () => {
    if (!existsSync(main)) throw new Error('apps/demo is not built (dist/main.js missing); run pnpm build');
    await scenario(process.execPath, 'gateway');
  });

  it('shard-owned mode: every shard runs the ACL gate; TLS with AUTH; SIGHUP reloads', async (ctx) => {
    const node = reusePortNodeOrSkip(ctx);
    if (node === undefined) return;
    await scenario(node, 'shard-owned');
  });
});

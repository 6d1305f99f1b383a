/**
 * A real TLS peer: `openssl s_client -tls1_3` against a server built with the option builders.
 *
 * By default the test starts its own RESP-speaking server (PING → +PONG, QUIT closes). Point it at
 * any TLS port instead, e.g. shn-kv's, with:
 *
 *   SHN_TLS_TARGET=127.0.0.1:6380 SHN_TLS_CA=ca.crt SHN_TLS_CERT=client.crt SHN_TLS_KEY=client.key \
 *   SHN_TLS_SERVERNAME=localhost pnpm --filter @shn/security exec vitest run src/tls/s-client.test.ts
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tlsServerOptions } from './tls-options.js';
import { hasOpenssl, makeTestPki } from './test-pki.test-helper.js';
import type { TestPki } from './test-pki.test-helper.js';

interface Target {
  host: string;
  port: number;
  ca: string;
  cert: string;
  key: string;
  servername: string;
}

function sClient(t: Target, withClientCert: boolean): Promise<{ code: number | null; out: string }> {
  const args = ['s_client', '-connect', `${t.host}:${t.port}`, '-tls1_3', '-CAfile', t.ca, '-servername', t.servername, '-verify_return_error', '-ign_eof'];
  if (withClientCert) args.push('-cert', t.cert, '-key', t.key);
  return new Promise((resolve, reject) => {
    const p = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: 15_000 });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out }));
    p.stdin.end('PING\r\nQUIT\r\n');
  });
}

describe.skipIf(!hasOpenssl)('openssl s_client against a TLS port built with tlsServerOptions', () => {
  let pki: TestPki | undefined;
  let server: Server | undefined;
  let target: Target;

  beforeAll(async () => {
    const env = process.env;
    if (env.SHN_TLS_TARGET !== undefined) {
      const [host, port] = env.SHN_TLS_TARGET.split(':');
      target = { host: host as string, port: Number(port), ca: env.SHN_TLS_CA ?? '', cert: env.SHN_TLS_CERT ?? '', key: env.SHN_TLS_KEY ?? '', servername: env.SHN_TLS_SERVERNAME ?? 'localhost' };
      return;
    }
    pki = makeTestPki();
    server = createServer(tlsServerOptions({ cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert }), (s) => {
      s.on('data', (d: Buffer) => {
        for (const line of d.toString().split('\r\n')) {
          if (line === 'PING') s.write('+PONG\r\n');
          if (line === 'QUIT') s.end('+OK\r\n');
        }
      });
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    target = { host: '127.0.0.1', port: (server.address() as AddressInfo).port, ca: pki.ca.certFile, cert: pki.client.certFile, key: pki.client.keyFile, servername: 'localhost' };
  });

  afterAll(async () => {
    if (server !== undefined) await new Promise((r) => server?.close(r));
    pki?.cleanup();
  });

  it('negotiates TLS 1.3 with a client certificate and gets an answer', async () => {
    const r = await sClient(target, true);
    expect(r.out).toMatch(/New, TLSv1\.3, Cipher is TLS_/);
    expect(r.out).toMatch(/Verify return code: 0 \(ok\)/);
    expect(r.out).toContain('+PONG');
    expect(r.code).toBe(0);
  });

  it('fails without a client certificate, and nothing is answered', async () => {
    const r = await sClient(target, false);
    expect(r.out).toMatch(/alert certificate required|certificate required/i);
    expect(r.out).not.toContain('+PONG');
    expect(r.code).not.toBe(0);
  });
});

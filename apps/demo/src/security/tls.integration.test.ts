/**
 * shn-kv's TLS port with a real TLS peer: `openssl s_client -tls1_3`, `redis-cli --tls` and
 * ioredis with TLS + AUTH, against a real server (shard threads, real sockets). Certificates are
 * made in the test with the openssl CLI; reload swaps them without a restart.
 */
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { Redis } from 'ioredis';
import { tlsClientOptions } from '@shn/security';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireDebianTool } from '../server/debian-tool.test-helper.js';
import { startServer, type RunningServer } from '../server/start-server.js';
import { hasOpenssl, makeTestPki, type Issued, type TestPki } from './test-pki.test-helper.js';

function sClient(port: number, pki: TestPki, client: Issued | undefined, input: string): Promise<{ code: number | null; out: string }> {
  const args = ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_3', '-CAfile', pki.ca.certFile, '-servername', 'localhost', '-verify_return_error', '-ign_eof'];
  if (client !== undefined) args.push('-cert', client.certFile, '-key', client.keyFile);
  return new Promise((resolve, reject) => {
    const p = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: 15_000 });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out }));
    p.stdin.end(input);
  });
}

function redisCli(args: string[]): Promise<string> {
  return new Promise((resolve) => execFile('redis-cli', args, { timeout: 10_000 }, (_e, out, err) => resolve(`${out}${err}`.trim())));
}

/** The SHA-256 fingerprint of the certificate a fresh TLS connection to `port` is shown. */
function serverFingerprint(port: number, pki: TestPki): Promise<string> {
  return new Promise((resolve, reject) => {
    const s: TLSSocket = connect({ ...tlsClientOptions({ ca: pki.ca.cert, identity: { cert: pki.client.cert, key: pki.client.key }, servername: 'localhost' }), host: '127.0.0.1', port }, () => {
      const fp = s.getPeerCertificate().fingerprint256;
      s.end();
      resolve(fp);
    });
    s.on('error', reject);
  });
}

describe.skipIf(!hasOpenssl)('shn-kv --tls-port', () => {
  let pki: TestPki;
  let server: RunningServer;
  let certFile: string;
  let keyFile: string;
  const clients: Redis[] = [];

  beforeAll(async () => {
    pki = makeTestPki();
    certFile = join(pki.dir, 'kv.crt');
    keyFile = join(pki.dir, 'kv.key');
    copyFileSync(pki.server.certFile, certFile);
    copyFileSync(pki.server.keyFile, keyFile);
    const aclFile = join(pki.dir, 'users.acl');
    writeFileSync(aclFile, 'user default on >defaultpw ~* &* +@all\nuser ro on >ropw ~app:* +@read +@connection +acl|whoami\n');
    server = await startServer({ port: 0, adminPort: 0, shards: 2, aclFile, tls: { port: 0, certFile, keyFile, caFile: pki.ca.certFile, authClients: true } });
  });

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await server?.close();
    pki?.cleanup();
  });

  it('openssl s_client -tls1_3 negotiates TLSv1.3 with a client certificate; AUTH then PING answer', async () => {
    const r = await sClient(server.tlsPort!, pki, pki.client, 'PING\r\nAUTH ro ropw\r\nPING\r\nSET app:x 1\r\nQUIT\r\n');
    expect(r.out).toMatch(/New, TLSv1\.3, Cipher is TLS_/);
    expect(r.out).toMatch(/Verify return code: 0 \(ok\)/);
    expect(r.out).toContain("-NOAUTH Authentication required.\r\n+OK\r\n+PONG\r\n-NOPERM this user has no permissions to run the 'set' command\r\n+OK\r\n");
    expect(r.code).toBe(0);
  });

  it('s_client without a client certificate fails (certificate required) and nothing is answered', async () => {
    const r = await sClient(server.tlsPort!, pki, undefined, 'AUTH default defaultpw\r\nPING\r\n');
    expect(r.out).toMatch(/certificate required/i);
    expect(r.out).not.toContain('+PONG');
    expect(r.code).not.toBe(0);
  });

  it('a client certificate from another CA is refused, and nothing is answered', async () => {
    const r = await sClient(server.tlsPort!, pki, pki.otherCaClient, 'AUTH default defaultpw\r\nPING\r\n');
    expect(r.out).not.toContain('+PONG');
    expect(r.out).not.toContain('+OK');
  });

  it('ioredis with TLS + AUTH works; the plain port asks for AUTH too', async () => {
    const tls = tlsClientOptions({ ca: pki.ca.cert, identity: { cert: pki.client.cert, key: pki.client.key }, servername: 'localhost' });
    const admin = new Redis({ port: server.tlsPort!, host: '127.0.0.1', tls, password: 'defaultpw', maxRetriesPerRequest: 1 });
    const ro = new Redis({ port: server.tlsPort!, host: '127.0.0.1', tls, username: 'ro', password: 'ropw', maxRetriesPerRequest: 1, enableReadyCheck: false });
    const plain = new Redis({ port: server.port, host: '127.0.0.1', username: 'ro', password: 'ropw', maxRetriesPerRequest: 1, enableReadyCheck: false });
    clients.push(admin, ro, plain);
    expect(await admin.set('app:tls', 'over-tls')).toBe('OK');
    expect(await ro.get('app:tls')).toBe('over-tls');
    expect(await plain.get('app:tls')).toBe('over-tls');
    expect(await ro.call('acl', 'whoami')).toBe('ro');
    await expect(ro.set('app:tls', 'x')).rejects.toThrow("NOPERM this user has no permissions to run the 'set' command");
    const big = Buffer.alloc(300_000, 7);
    await admin.set('app:big', big);
    expect(await ro.getBuffer('app:big')).toEqual(big);
  });

  it('redis-cli --tls with a client certificate and --user/--pass', async (ctx) => {
    if (!requireDebianTool('redis-cli', 'redis-tools', (m) => ctx.skip(m))) return;
    const base = ['--tls', '--cacert', pki.ca.certFile, '--cert', pki.client.certFile, '--key', pki.client.keyFile, '--sni', 'localhost', '-h', '127.0.0.1', '-p', String(server.tlsPort), '--no-auth-warning'];
    expect(await redisCli([...base, '--pass', 'defaultpw', 'SET', 'app:cli', 'tls-cli'])).toBe('OK');
    expect(await redisCli([...base, '--user', 'ro', '--pass', 'ropw', 'GET', 'app:cli'])).toBe('tls-cli');
    expect(await redisCli([...base, 'GET', 'app:cli'])).toContain('NOAUTH Authentication required.');
  });

  it('reloads the certificate files without a restart; a bad file keeps the old certificate', async () => {
    const before = await serverFingerprint(server.tlsPort!, pki);
    const open = new Redis({ port: server.tlsPort!, host: '127.0.0.1', tls: tlsClientOptions({ ca: pki.ca.cert, identity: { cert: pki.client.cert, key: pki.client.key }, servername: 'localhost' }), password: 'defaultpw', maxRetriesPerRequest: 1 });
    clients.push(open);
    expect(await open.ping()).toBe('PONG');
    copyFileSync(pki.server2.certFile, certFile);
    copyFileSync(pki.server2.keyFile, keyFile);
    const facts = await server.reloadTls();
    const after = await serverFingerprint(server.tlsPort!, pki);
    expect(after).not.toBe(before);
    expect(after).toBe(facts.fingerprint256);
    expect(await open.ping()).toBe('PONG'); // the open connection keeps its session
    writeFileSync(certFile, 'not a certificate');
    await expect(server.reloadTls()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await serverFingerprint(server.tlsPort!, pki)).toBe(after);
  });
});

describe.skipIf(!hasOpenssl)('shn-kv --tls-auth-clients no', () => {
  it('serves TLS 1.3 clients without a certificate, refuses TLS 1.2', async () => {
    const pki = makeTestPki();
    const server = await startServer({ port: 0, adminPort: 0, shards: 1, requirePass: 'pw', tls: { port: 0, certFile: pki.server.certFile, keyFile: pki.server.keyFile, authClients: false } });
    try {
      const r = await sClient(server.tlsPort!, pki, undefined, 'AUTH pw\r\nPING\r\nQUIT\r\n');
      expect(r.out).toMatch(/New, TLSv1\.3, Cipher is TLS_/);
      expect(r.out).toContain('+OK\r\n+PONG\r\n');
      const r12 = await new Promise<string>((resolve) => {
        const p = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${server.tlsPort}`, '-tls1_2', '-CAfile', pki.ca.certFile], { stdio: ['pipe', 'pipe', 'pipe'], timeout: 15_000 });
        let out = '';
        p.stdout.on('data', (d: Buffer) => (out += d.toString()));
        p.stderr.on('data', (d: Buffer) => (out += d.toString()));
        p.on('close', () => resolve(out));
        p.stdin.end('PING\r\n');
      });
      expect(r12).not.toContain('+PONG');
      expect(r12).toMatch(/alert protocol version|no protocols available|wrong version/i);
    } finally {
      await server.close();
      pki.cleanup();
    }
  });
});

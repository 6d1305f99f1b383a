/**
 * redis-cli (with --tls) and ioredis against a small RESP server composed exactly as shn-kv
 * composes @shn/security: a `node:tls` server from `tlsServerOptions`, and an `AclSession` per
 * connection whose `gate` runs before every command.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { AclEngine } from '../acl/acl-engine.js';
import { AclSession } from '../acl/acl-session.js';
import { encodeReply, parseResp } from '../acl/resp-client.test-helper.js';
import type { RespValue } from '../acl/resp-client.test-helper.js';
import { tlsClientOptions, tlsServerOptions } from './tls-options.js';
import { hasOpenssl, makeTestPki } from './test-pki.test-helper.js';
import type { TestPki } from './test-pki.test-helper.js';

const hasRedisCli = spawnSync('redis-cli', ['--version']).status === 0;
if (!hasRedisCli && process.env.CI) throw new Error('redis-cli is required under CI (apt-get install -y redis-tools)');
if (!hasRedisCli) console.warn('redis-clients: redis-cli tests skipped (apt-get install -y redis-tools)');

function redisCli(args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile('redis-cli', args, { timeout: 10_000 }, (_err, stdout, stderr) => resolve(`${stdout}${stderr}`.trim()));
  });
}

describe.skipIf(!hasOpenssl)('redis-cli and ioredis over TLS 1.3 with AUTH and ACLs', () => {
  let pki: TestPki;
  let server: Server;
  let port: number;
  const acl = new AclEngine({ requirePass: 'topsecret', users: { ro: 'on >ropw ~app:* +@read +@connection +acl|whoami', rw: 'on >rwpw ~* +@all' } });

  beforeAll(async () => {
    pki = makeTestPki();
    const data = new Map<string, Buffer>();
    server = createServer(tlsServerOptions({ cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert }), (socket) => {
      const session = new AclSession(acl);
      let buf = Buffer.alloc(0);
      socket.on('error', () => socket.destroy());
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        for (let r = parseResp(buf, 0); r !== undefined; r = parseResp(buf, 0)) {
          buf = buf.subarray(r[1]);
          const args = (r[0] as RespValue[]).map((a) => a as Buffer);
          const refused = session.gate(args);
          if (refused !== undefined) {
            socket.write(encodeReply(refused));
            continue;
          }
          const name = args[0]?.toString().toLowerCase();
          if (name === 'get') socket.write(encodeReply(data.get(String(args[1])) ?? null));
          else if (name === 'set') {
            data.set(String(args[1]), args[2] as Buffer);
            socket.write(encodeReply('OK'));
          } else if (name === 'ping') socket.write(encodeReply('PONG'));
          else if (name === 'info') socket.write(encodeReply(Buffer.from('# Server\r\nloading:0\r\n')));
          else if (name === 'quit') socket.end(encodeReply('OK'));
          else socket.write(encodeReply({ err: `ERR unknown command '${name}'` }));
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    pki?.cleanup();
  });

  const tlsArgs = (): string[] => ['--tls', '--cacert', pki.ca.certFile, '--cert', pki.client.certFile, '--key', pki.client.keyFile, '--sni', 'localhost', '-h', '127.0.0.1', '-p', String(port)];

  it.skipIf(!hasRedisCli)('redis-cli --tls: NOAUTH before AUTH, WRONGPASS, then AUTH with password and with user pass; a read-only user is refused SET', async () => {
    expect(await redisCli([...tlsArgs(), 'GET', 'app:1'])).toBe('NOAUTH Authentication required.');
    expect(await redisCli([...tlsArgs(), '--no-auth-warning', '--user', 'ro', '--pass', 'nope', 'GET', 'app:1'])).toContain('WRONGPASS invalid username-password pair or user is disabled.');
    expect(await redisCli([...tlsArgs(), '--no-auth-warning', '-a', 'topsecret', 'SET', 'app:1', 'v1'])).toBe('OK');
    expect(await redisCli([...tlsArgs(), '--no-auth-warning', '--user', 'ro', '--pass', 'ropw', 'GET', 'app:1'])).toBe('v1');
    expect(await redisCli([...tlsArgs(), '--no-auth-warning', '--user', 'ro', '--pass', 'ropw', 'SET', 'app:1', 'v2'])).toBe("NOPERM this user has no permissions to run the 'set' command");
    expect(await redisCli([...tlsArgs(), '--no-auth-warning', '--user', 'ro', '--pass', 'ropw', 'GET', 'secret'])).toBe('NOPERM this user has no permissions to access one of the keys used as arguments');
    expect(await redisCli([...tlsArgs(), '--no-auth-warning', '--user', 'ro', '--pass', 'ropw', 'ACL', 'WHOAMI'])).toBe('ro');
  });

  it.skipIf(!hasRedisCli)('redis-cli --tls without a client certificate gets no answer', async () => {
    const out = await redisCli(['--tls', '--cacert', pki.ca.certFile, '--sni', 'localhost', '-h', '127.0.0.1', '-p', String(port), '-a', 'topsecret', '--no-auth-warning', 'PING']);
    expect(out).not.toContain('PONG');
  });

  it('ioredis with tlsClientOptions and username/password; NOPERM comes back as a ReplyError', async () => {
    const tls = tlsClientOptions({ ca: pki.ca.cert, identity: { cert: pki.client.cert, key: pki.client.key }, servername: 'localhost' });
    const rw = new Redis({ host: '127.0.0.1', port, tls, username: 'rw', password: 'rwpw', lazyConnect: true, maxRetriesPerRequest: 0 });
    const ro = new Redis({ host: '127.0.0.1', port, tls, username: 'ro', password: 'ropw', lazyConnect: true, maxRetriesPerRequest: 0 });
    const bad = new Redis({ host: '127.0.0.1', port, tls, username: 'ro', password: 'wrong', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await rw.connect();
      await ro.connect();
      expect(await rw.set('app:io', 'x')).toBe('OK');
      expect(await ro.get('app:io')).toBe('x');
      await expect(ro.set('app:io', 'y')).rejects.toThrow("NOPERM this user has no permissions to run the 'set' command");
      const errors: string[] = [];
      bad.on('error', (e: Error) => errors.push(e.message));
      await expect(bad.connect()).rejects.toThrow();
      expect(errors).toContain('WRONGPASS invalid username-password pair or user is disabled.');
    } finally {
      rw.disconnect();
      ro.disconnect();
      bad.disconnect();
    }
  });
});

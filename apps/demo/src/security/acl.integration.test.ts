/**
 * AUTH and ACLs on shn-kv's plain port: a real server (shard threads, gateway connections in this
 * process), real sockets, ioredis and redis-cli. Error texts are Redis 7's, byte for byte.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCommand } from '../resp/command-encoder.js';
import type { Reply } from '../resp/reply.js';
import { requireDebianTool } from '../server/debian-tool.test-helper.js';
import { RawClient } from '../server/raw-client.test-helper.js';
import { startServer, type RunningServer } from '../server/start-server.js';

const NOAUTH = { err: 'NOAUTH Authentication required.' };
const WRONGPASS = { err: 'WRONGPASS invalid username-password pair or user is disabled.' };
const noperm = (cmd: string) => ({ err: `NOPERM this user has no permissions to run the '${cmd}' command` });
const NOPERM_KEY = { err: 'NOPERM this user has no permissions to access one of the keys used as arguments' };

/** Sends each command in turn on one raw connection and returns every reply (bulk strings as text). */
async function talk(port: number, commands: string[][]): Promise<Reply[]> {
  const c = await RawClient.open(port);
  try {
    for (let i = 0; i < commands.length; i++) {
      c.send(encodeCommand(commands[i]!));
      await c.waitReplies(i + 1);
    }
    return c.replies.map(text);
  } finally {
    c.close();
  }
}

function text(r: Reply): Reply {
  if (r instanceof Uint8Array) return Buffer.from(r).toString('utf8');
  if (Array.isArray(r)) return r.map(text);
  return r;
}

function redisCli(args: string[]): Promise<string> {
  return new Promise((resolve) => execFile('redis-cli', args, { timeout: 10_000 }, (_e, out, err) => resolve(`${out}${err}`.trim())));
}

const dir = mkdtempSync(join(tmpdir(), 'shn-kv-acl-'));
const aclFile = join(dir, 'users.acl');
writeFileSync(
  aclFile,
  [
    'user default on >defaultpw ~* &* +@all',
    'user ro on >ropw ~app:* +@read +@connection +acl|whoami',
    'user admin on >adminpw ~* &* +@all',
    'user gone off >gonepw ~* +@all',
    '',
  ].join('\n'),
);

let acl: RunningServer;
let pass: RunningServer;
const clients: Redis[] = [];

beforeAll(async () => {
  [acl, pass] = await Promise.all([
    startServer({ port: 0, adminPort: 0, shards: 2, connections: 'gateway', aclFile }),
    startServer({ port: 0, adminPort: 0, shards: 1, connections: 'gateway', requirePass: 'topsecret' }),
  ]);
});

afterAll(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all([acl?.close(), pass?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('shn-kv --aclfile', () => {
  it('answers NOAUTH before AUTH, WRONGPASS for a wrong or disabled user, and runs nothing', async () => {
    const r = await talk(acl.port, [
      ['SET', 'app:1', 'x'],
      ['GET', 'app:1'],
      ['AUTH', 'ro', 'nope'],
      ['AUTH', 'nosuchuser', 'ropw'],
      ['AUTH', 'gone', 'gonepw'],
      ['AUTH', 'wrong-default-password'],
      ['ACL', 'WHOAMI'],
      ['PING'],
    ]);
    expect(r).toEqual([NOAUTH, NOAUTH, WRONGPASS, WRONGPASS, WRONGPASS, WRONGPASS, NOAUTH, NOAUTH]);
    expect(await talk(acl.port, [['AUTH', 'admin', 'adminpw'], ['EXISTS', 'app:1']])).toEqual(['OK', 0]);
  });

  it('HELLO 2 AUTH <user> <pass> authenticates; a wrong pair answers WRONGPASS', async () => {
    const r = await talk(acl.port, [['HELLO', '2', 'AUTH', 'ro', 'bad'], ['ACL', 'WHOAMI'], ['HELLO', '2', 'AUTH', 'ro', 'ropw', 'SETNAME', 'me'], ['ACL', 'WHOAMI']]);
    expect(r[0]).toEqual(WRONGPASS);
    expect(r[1]).toEqual(NOAUTH);
    expect((r[2] as unknown[]).slice(0, 2)).toEqual(['server', 'redis']);
    expect(r[3]).toBe('ro');
  });

  it('a read-only user is refused SET with NOPERM, and keys outside ~app:* with NOPERM', async () => {
    const r = await talk(acl.port, [
      ['AUTH', 'admin', 'adminpw'],
      ['SET', 'app:ro', 'v1'],
      ['SET', 'other', 'v2'],
      ['AUTH', 'ro', 'ropw'],
      ['ACL', 'WHOAMI'],
      ['GET', 'app:ro'],
      ['SET', 'app:ro', 'changed'],
      ['INCR', 'app:n'],
      ['DEL', 'app:ro'],
      ['FLUSHALL'],
      ['GET', 'other'],
      ['MGET', 'app:ro', 'other'],
      ['CGET', 'app:c'],
      ['CINCR', 'app:c', '1'],
      ['ACL', 'LIST'],
      ['PING'],
    ]);
    expect(r).toEqual([
      'OK',
      'OK',
      'OK',
      'OK',
      'ro',
      'v1',
      noperm('set'),
      noperm('incr'),
      noperm('del'),
      noperm('flushall'),
      NOPERM_KEY,
      NOPERM_KEY,
      0,
      noperm('cincr'),
      noperm('acl|list'),
      'PONG',
    ]);
    expect(await talk(acl.port, [['AUTH', 'admin', 'adminpw'], ['GET', 'app:ro'], ['EXISTS', 'app:n']])).toEqual(['OK', 'v1', 0]);
  });

  it('ACL WHOAMI and ACL LIST answer as Redis does; ACL SETUSER is refused (users come from the file)', async () => {
    const r = await talk(acl.port, [['AUTH', 'admin', 'adminpw'], ['ACL', 'WHOAMI'], ['ACL', 'LIST'], ['ACL', 'USERS'], ['ACL', 'SETUSER', 'x', 'on'], ['AUTH', 'ro', 'ropw'], ['ACL', 'SETUSER', 'x', 'on']]);
    expect(r[1]).toBe('admin');
    const list = r[2] as string[];
    expect(list).toHaveLength(4);
    expect(list).toContain('user ro on #' + sha256('ropw') + ' ~app:* resetchannels -@all +@read +@connection +acl|whoami');
    expect(list.find((l) => l.startsWith('user gone off '))).toBeDefined();
    expect(list.find((l) => l.startsWith('user default on #'))).toMatch(/ ~\* &\* \+@all$/);
    expect(r[3]).toEqual(['admin', 'default', 'gone', 'ro']);
    expect(r[4]).toEqual({ err: 'ERR ACL SETUSER is not supported by shn-kv: users come from --aclfile and --requirepass at start' });
    expect(r[6]).toEqual(noperm('acl|setuser'));
  });

  it('ioredis connects with username and password; a wrong password fails with WRONGPASS', async () => {
    const ro = new Redis({ port: acl.port, host: '127.0.0.1', username: 'ro', password: 'ropw', maxRetriesPerRequest: 1, enableReadyCheck: false });
    const admin = new Redis({ port: acl.port, host: '127.0.0.1', username: 'admin', password: 'adminpw', maxRetriesPerRequest: 1 });
    clients.push(ro, admin);
    expect(await admin.set('app:io', 'hello')).toBe('OK');
    expect(await ro.get('app:io')).toBe('hello');
    expect(await ro.call('acl', 'whoami')).toBe('ro');
    await expect(ro.set('app:io', 'x')).rejects.toThrow("NOPERM this user has no permissions to run the 'set' command");
    const p = admin.pipeline();
    for (let i = 0; i < 50; i++) p.set(`app:p${i}`, String(i));
    await p.exec();
    expect(await ro.mget(...Array.from({ length: 50 }, (_, i) => `app:p${i}`))).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    const bad = new Redis({ port: acl.port, host: '127.0.0.1', username: 'ro', password: 'wrong', maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    clients.push(bad);
    const failed = new Promise<Error>((resolve) => bad.once('error', resolve));
    bad.connect().catch(() => undefined);
    expect((await failed).message).toBe('WRONGPASS invalid username-password pair or user is disabled.');
  });

  it('redis-cli connects with --user/--pass', async (ctx) => {
    if (!requireDebianTool('redis-cli', 'redis-tools', (m) => ctx.skip(m))) return;
    const base = ['-h', '127.0.0.1', '-p', String(acl.port), '--no-auth-warning'];
    expect(await redisCli([...base, '--user', 'admin', '--pass', 'adminpw', 'SET', 'app:cli', 'from-cli'])).toBe('OK');
    expect(await redisCli([...base, '--user', 'ro', '--pass', 'ropw', 'GET', 'app:cli'])).toBe('from-cli');
    expect(await redisCli([...base, '--user', 'ro', '--pass', 'ropw', 'SET', 'app:cli', 'x'])).toContain("NOPERM this user has no permissions to run the 'set' command");
    expect(await redisCli([...base, 'GET', 'app:cli'])).toContain('NOAUTH Authentication required.');
    expect(await redisCli([...base, '--user', 'ro', '--pass', 'bad', 'GET', 'app:cli'])).toContain('WRONGPASS');
  });
});

describe('shn-kv --requirepass', () => {
  it('AUTH <password> and AUTH default <password> work; NOAUTH and WRONGPASS otherwise', async () => {
    expect(await talk(pass.port, [['GET', 'k'], ['AUTH', 'nope'], ['AUTH', 'topsecret'], ['SET', 'k', 'v'], ['ACL', 'WHOAMI']])).toEqual([NOAUTH, WRONGPASS, 'OK', 'OK', 'default']);
    expect(await talk(pass.port, [['AUTH', 'default', 'topsecret'], ['GET', 'k']])).toEqual(['OK', 'v']);
  });

  it('ioredis and redis-cli -a connect with the password', async (ctx) => {
    const r = new Redis({ port: pass.port, host: '127.0.0.1', password: 'topsecret', maxRetriesPerRequest: 1 });
    clients.push(r);
    expect(await r.incr('n')).toBe(1);
    if (!requireDebianTool('redis-cli', 'redis-tools', (m) => ctx.skip(m))) return;
    expect(await redisCli(['-h', '127.0.0.1', '-p', String(pass.port), '-a', 'topsecret', '--no-auth-warning', 'INCR', 'n'])).toBe('2');
  });
});

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

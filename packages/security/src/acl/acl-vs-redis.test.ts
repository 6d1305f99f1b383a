import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AclEngine } from './acl-engine.js';
import { AclSession } from './acl-session.js';
import { RespTestClient } from './resp-client.test-helper.js';
import type { RespValue } from './resp-client.test-helper.js';

const hasRedis = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedis && process.env.CI) throw new Error('redis-server is required under CI (apt-get install -y redis-server)');
if (!hasRedis) console.warn('acl-vs-redis: skipped, redis-server not found (apt-get install -y redis-server)');

const asText = (v: RespValue): string => (Buffer.isBuffer(v) ? v.toString('latin1') : typeof v === 'object' && v !== null && 'err' in v ? `-${v.err}` : String(v));

describe.skipIf(!hasRedis)('the ACL engine against a real redis-server (differential)', () => {
  let dir: string;
  let proc: ReturnType<typeof spawn>;
  let client: RespTestClient;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shn-acl-'));
    const sock = join(dir, 'redis.sock');
    proc = spawn('redis-server', ['--port', '0', '--unixsocket', sock, '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'pipe' });
    await new Promise<void>((resolve, reject) => {
      proc.stdout?.on('data', (d: Buffer) => {
        if (/ready to accept connections/i.test(d.toString())) resolve();
      });
      proc.once('exit', (code) => reject(new Error(`redis-server exited with ${String(code)}`)));
    });
    client = await RespTestClient.connect(sock);
  });

  afterAll(() => {
    client?.close();
    proc?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('key globs decide like Redis 7 (ACL DRYRUN) on random patterns and keys', async () => {
    const pairs = fc.sample(fc.tuple(fc.stringMatching(/^[ab*?[\]^\\-]{0,6}$/), fc.stringMatching(/^[ab[\]^\\*?-]{0,6}$/)), { numRuns: 400, seed: 7 });
    const cmds: string[][] = [];
    pairs.forEach(([p], i) => cmds.push(['ACL', 'SETUSER', `g${i}`, 'reset', 'on', 'nopass', '+get', `~${p}`]));
    pairs.forEach(([, k], i) => cmds.push(['ACL', 'DRYRUN', `g${i}`, 'get', k]));
    const replies = await client.pipeline(cmds);
    const engine = new AclEngine();
    pairs.forEach(([p], i) => engine.setUser(`g${i}`, ['reset', 'on', 'nopass', '+get', `~${p}`]));
    const mismatches: string[] = [];
    pairs.forEach(([p, k], i) => {
      const redisOk = asText(replies[pairs.length + i] as RespValue) === 'OK';
      const oursOk = engine.check(`g${i}`, ['get', k]).ok;
      if (redisOk !== oursOk) mismatches.push(`~${p} vs ${JSON.stringify(k)}: redis ${redisOk}, ours ${oursOk}`);
    });
    expect(replies.slice(0, pairs.length).every((r) => r === 'OK')).toBe(true);
    expect(mismatches).toEqual([]);
  });

  it('sessions answer AUTH, NOAUTH, WRONGPASS and NOPERM with exactly the bytes Redis sends', async () => {
    await client.pipeline([
      ['ACL', 'SETUSER', 'ro', 'reset', 'on', '>pw', '~app:*', '+@read'],
      ['ACL', 'SETUSER', 'default', 'resetpass', '>top'],
    ]);
    const script = [['GET', 'k'], ['AUTH', 'nope'], ['AUTH', 'ro', 'bad'], ['AUTH', 'ro', 'pw'], ['SET', 'app:1', 'v'], ['GET', 'other'], ['MGET', 'app:1', 'zz'], ['ACL', 'WHOAMI'], ['AUTH', 'top'], ['AUTH', 'a', 'b', 'c']];
    const fresh = await RespTestClient.connect(join(dir, 'redis.sock'));
    const redis = (await fresh.pipeline(script)).map((r) => (typeof r === 'object' && r !== null && 'err' in r ? r.err : 'pass'));
    fresh.close();
    const engine = new AclEngine({ requirePass: 'top', users: { ro: 'on >pw ~app:* +@read' } });
    const s = new AclSession(engine);
    const ours = script.map((c) => {
      const r = s.gate(c);
      return typeof r === 'object' && r !== null && 'err' in r ? r.err : 'pass';
    });
    expect(ours).toEqual(redis);
    await client.pipeline([['AUTH', 'top'], ['ACL', 'SETUSER', 'default', 'nopass']]);
  });
});

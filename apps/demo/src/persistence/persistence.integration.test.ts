import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer, type StartServerOptions } from '../server/start-server.js';

const dirs: string[] = [];
const clients = new Map<Redis, RunningServer>();
const servers: RunningServer[] = [];

function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'shn-kv-persist-'));
  dirs.push(d);
  return d;
}

async function start(options: StartServerOptions): Promise<RunningServer> {
  const s = await startServer({ port: 0, adminPort: 0, shards: 2, connections: 'gateway', ...options });
  servers.push(s);
  return s;
}

function client(server: RunningServer): Redis {
  const r = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
  clients.set(r, server);
  return r;
}

/** Graceful stop of a whole demo (its clients first, so they do not reconnect to a closed port). */
async function stop(server: RunningServer): Promise<void> {
  for (const [r, s] of clients) {
    if (s !== server) continue;
    r.disconnect();
    clients.delete(r);
  }
  await server.close();
}

afterEach(async () => {
  for (const r of clients.keys()) r.disconnect();
  clients.clear();
  for (const s of servers.splice(0)) await s.close();
});

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Writes one key of every type (and a TTL, and a deleted key); returns a checker for a client. */
async function writeEveryType(r: Redis): Promise<(c: Redis) => Promise<void>> {
  const keys = Array.from({ length: 40 }, (_, i) => `str:${i}`);
  await r.mset(...keys.flatMap((k, i) => [k, `v${i}`]));
  await r.set(Buffer.from([0, 255, 13, 10]), Buffer.from([1, 2, 0, 3]));
  await r.hset('hash', 'f1', 'v1', 'f2', 'v2', 'bin', Buffer.from([0, 200]));
  await r.hincrby('hash', 'n', 5);
  await r.rpush('list', 'a', 'b', 'c');
  await r.lpop('list');
  await r.sadd('set', 'x', 'y', 'z');
  await r.srem('set', 'y');
  await r.zadd('zset', 1.5, 'one', -2, 'minus');
  await r.set('ttl', 'soon', 'PX', 600_000);
  await r.set('gone', 'x');
  await r.del('gone');
  await r.incrby('counter', 41);
  await r.incr('counter');
  return async (c) => {
    expect(await c.mget(...keys)).toEqual(keys.map((_, i) => `v${i}`));
    expect(await c.getBuffer(Buffer.from([0, 255, 13, 10]))).toEqual(Buffer.from([1, 2, 0, 3]));
    expect(await c.hgetall('hash')).toEqual({ f1: 'v1', f2: 'v2', bin: Buffer.from([0, 200]).toString(), n: '5' });
    expect(await c.hgetBuffer('hash', 'bin')).toEqual(Buffer.from([0, 200]));
    expect(await c.lrange('list', 0, -1)).toEqual(['b', 'c']);
    expect((await c.smembers('set')).sort()).toEqual(['x', 'z']);
    expect(await c.zrange('zset', 0, -1, 'WITHSCORES')).toEqual(['minus', '-2', 'one', '1.5']);
    const pttl = await c.pttl('ttl');
    expect(pttl).toBeGreaterThan(500_000);
    expect(pttl).toBeLessThanOrEqual(600_000);
    expect(await c.exists('gone')).toBe(0);
    expect(await c.get('counter')).toBe('42');
    expect(await c.type('hash')).toBe('hash');
    expect(await c.type('zset')).toBe('zset');
  };
}

/** Resolves when `shard` has been restarted by the supervisor and every shard is up again. */
function restartOf(server: RunningServer, shard: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const off = server.runtime.on((e) => {
      if (e.type === 'shard-restarted' && e.shard === shard) {
        off();
        resolve();
      }
    });
  }).then(() => server.runtime.whenReady());
}

describe('shn-kv persistence (--dir)', () => {
  it('without --dir nothing is persisted: SAVE says so, INFO persistence reports it off', async () => {
    const s = await start({});
    const r = client(s);
    await expect(r.call('save')).rejects.toThrow('ERR persistence is off; start shn-kv with --dir DIR');
    expect(await r.call('lastsave')).toBe(0);
    expect(await r.info('persistence')).toContain('persistence_enabled:0');
  });

  it('restarting the whole demo on the same data directory restores every type, TTLs included (checkpoint on shutdown)', async () => {
    const dir = dataDir();
    const first = await start({ persistence: { dir, saveIntervalMs: 0 } });
    const check = await writeEveryType(client(first));
    await stop(first);
    const second = await start({ persistence: { dir } });
    await check(client(second));
    // Writes after a restore persist too (the restored keys are not logged again, new ones are).
    const r = client(second);
    await r.hset('hash', 'f3', 'v3');
    await stop(second);
    const third = await start({ persistence: { dir } });
    const c = client(third);
    expect(await c.hgetall('hash')).toEqual({ f1: 'v1', f2: 'v2', bin: Buffer.from([0, 200]).toString(), n: '5', f3: 'v3' });
    expect(await c.get('counter')).toBe('42');
  });

  it('restarting with another shard count re-shards the data to the new owners', async () => {
    const dir = dataDir();
    const first = await start({ persistence: { dir } });
    const check = await writeEveryType(client(first));
    await stop(first);
    const second = await start({ shards: 3, persistence: { dir } });
    await check(client(second));
    expect(await client(second).dbsize()).toBe(40 + 1 + 6);
  });

  it('SAVE, then kill a shard thread: its keys are back after the restart; LASTSAVE and INFO persistence report the save', async () => {
    const dir = dataDir();
    const s = await start({ persistence: { dir, saveIntervalMs: 0 } });
    const r = client(s);
    const check = await writeEveryType(r);
    const before = Math.floor(Date.now() / 1000);
    expect(await r.call('save')).toBe('OK');
    const lastsave = (await r.call('lastsave')) as number;
    expect(lastsave).toBeGreaterThanOrEqual(before - 1);
    const info = await r.info('persistence');
    expect(info).toContain('persistence_enabled:1');
    expect(info).toContain('rdb_changes_since_last_save:0');
    expect(info).toContain('rdb_last_bgsave_status:ok');
    expect(info).toContain('aof_enabled:0');
    const restarted = restartOf(s, 1);
    await s.runtime.killShard(1);
    await restarted;
    await check(client(s));
    // BGSAVE answers at once; a second one while the first runs may be refused, never an unknown error.
    const bg = await r.call('bgsave').catch((e: Error) => e.message);
    expect(['Background saving started', 'ERR Background save already in progress']).toContain(bg);
  });

  it('kill a shard thread without SAVE: the interval checkpoint has its keys', async () => {
    const dir = dataDir();
    const s = await start({ persistence: { dir, saveIntervalMs: 50 } });
    const r = client(s);
    const check = await writeEveryType(r);
    // Wait until both shards report nothing unsaved (the 50 ms trigger started a checkpoint), then until it is written.
    for (let i = 0; i < 200 && !(await r.info('persistence')).includes('rdb_changes_since_last_save:0'); i++) await new Promise((res) => setTimeout(res, 25));
    for (const shard of [0, 1]) {
      expect(await s.runtime.refOnShard(shard, 'kv', 'any').ask('cmd', { op: 'cmd', args: [Buffer.from('__persist'), Buffer.from('idle')] })).toBe('OK');
    }
    for (const shard of [0, 1]) {
      const restarted = restartOf(s, shard);
      await s.runtime.killShard(shard);
      await restarted;
    }
    await check(client(s));
  });

  it('append-only (everysec): kill a shard thread right after the writes, no SAVE, no interval: every acknowledged write is back', async () => {
    const dir = dataDir();
    const s = await start({ persistence: { dir, saveIntervalMs: 0, appendonly: true, appendfsync: 'everysec' } });
    const r = client(s);
    const check = await writeEveryType(r);
    expect(await r.info('persistence')).toContain('aof_enabled:1');
    for (const shard of [1, 0]) {
      const restarted = restartOf(s, shard);
      await s.runtime.killShard(shard);
      await restarted;
    }
    await check(client(s));
    // FLUSHALL is logged too.
    await client(s).flushall();
    const restarted = restartOf(s, 0);
    await s.runtime.killShard(0);
    await restarted;
    expect(await client(s).dbsize()).toBe(0);
  });
});

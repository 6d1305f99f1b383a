import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Reply } from '../resp/reply.js';
import { createClientSession } from './client-session.js';
import { CommandExecutor } from './command-executor.js';
import { FakeClock } from './fake-clock.test-helper.js';
import { LocalBackend } from './local-backend.js';

function setup(shards = 3) {
  const clock = new FakeClock();
  const backend = new LocalBackend({ shards, clock });
  const exec = new CommandExecutor({ backend, clock });
  const session = createClientSession(1);
  const run = async (...args: (string | Buffer)[]): Promise<unknown> => plain(await exec.execute(args.map((a) => (typeof a === 'string' ? Buffer.from(a) : a)), session));
  return { clock, backend, run };
}

function plain(r: Reply): unknown {
  if (Buffer.isBuffer(r)) return r.toString('latin1');
  if (Array.isArray(r)) return r.map(plain);
  return r;
}

/** Two keys that live on different shards of `backend`. */
function apart(backend: LocalBackend): [string, string] {
  for (let i = 1; ; i++) if (backend.shardOf(Buffer.from('k0')) !== backend.shardOf(Buffer.from(`k${i}`))) return ['k0', `k${i}`];
}

describe('the Redis surface', () => {
  it('SCAN with one cursor across shards returns every key exactly once when nothing writes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { maxLength: 150 }),
        fc.integer({ min: 1, max: 40 }),
        async (shards, keys, count) => {
          const { run } = setup(shards);
          for (const k of keys) await run('set', k, 'v');
          const seen: string[] = [];
          let cursor = '0';
          let calls = 0;
          do {
            const [next, found] = (await run('scan', cursor, 'count', String(count))) as [string, string[]];
            seen.push(...found);
            cursor = next;
            calls++;
          } while (cursor !== '0' && calls < 10_000);
          expect(seen.sort()).toEqual([...keys].sort());
        },
      ),
      { numRuns: 60 },
    );
  });

  it('SCAN MATCH and TYPE filter; a bad cursor is refused', async () => {
    const { run } = setup(2);
    await run('set', 'a1', 'x');
    await run('set', 'a2', 'x');
    await run('hset', 'h1', 'f', 'v');
    const all = async (...opts: string[]): Promise<string[]> => {
      const out: string[] = [];
      let c = '0';
      do {
        const [n, ks] = (await run('scan', c, ...opts)) as [string, string[]];
        out.push(...ks);
        c = n;
      } while (c !== '0');
      return out.sort();
    };
    expect(await all('match', 'a*')).toEqual(['a1', 'a2']);
    expect(await all('type', 'hash')).toEqual(['h1']);
    expect(await run('scan', 'x')).toEqual({ err: 'ERR invalid cursor' });
    expect(await run('scan', '0', 'count', '0')).toEqual({ err: 'ERR syntax error' });
  });

  it('RENAME, RENAMENX, COPY and LCS work when the two keys live on different shards', async () => {
    const { backend, run, clock } = setup(2);
    const [a, b] = apart(backend);
    await run('hset', a, 'f', '1', 'g', '2');
    await run('pexpire', a, '5000');
    expect(await run('rename', a, b)).toBe('OK');
    expect(await run('exists', a)).toBe(0);
    expect(await run('hgetall', b)).toEqual(['f', '1', 'g', '2']);
    expect(await run('pttl', b)).toBe(5000);
    expect(await run('rename', a, b)).toEqual({ err: 'ERR no such key' });
    await run('set', a, 'x');
    expect(await run('renamenx', a, b)).toBe(0);
    expect(await run('copy', b, a)).toBe(0);
    expect(await run('copy', b, a, 'replace')).toBe(1);
    expect(await run('type', a)).toBe('hash');
    expect(await run('copy', a, b, 'db', '1')).toEqual({ err: 'ERR DB index is out of range' });
    await run('set', a, 'ohmytext');
    await run('set', b, 'mynewtext');
    expect(await run('lcs', a, b)).toBe('mytext');
    expect(await run('lcs', a, b, 'len')).toBe(6);
    await run('lpush', b, 'x');
    await run('del', b);
    await run('sadd', b, 'm');
    expect(await run('lcs', a, b)).toEqual({ err: 'ERR The specified keys must contain string values' });
    clock.advance(1);
  });

  it('MSETNX across shards sets all or nothing (with no concurrent writer)', async () => {
    const { backend, run } = setup(2);
    const [a, b] = apart(backend);
    expect(await run('msetnx', a, '1', b, '2')).toBe(1);
    expect(await run('msetnx', a, '3', 'other', '4')).toBe(0);
    expect(await run('mget', a, b, 'other')).toEqual(['1', '2', null]);
  });

  it('EXPIRE with NX, XX, GT, LT and its errors, as Redis 7', async () => {
    const { run, clock } = setup(1);
    await run('set', 'k', 'v');
    expect(await run('expire', 'k', '100', 'xx')).toBe(0);
    expect(await run('expire', 'k', '100', 'nx')).toBe(1);
    expect(await run('expire', 'k', '200', 'nx')).toBe(0);
    expect(await run('expire', 'k', '50', 'gt')).toBe(0);
    expect(await run('expire', 'k', '200', 'gt')).toBe(1);
    expect(await run('expire', 'k', '300', 'lt')).toBe(0);
    expect(await run('expire', 'k', '20', 'lt')).toBe(1);
    expect(await run('ttl', 'k')).toBe(20);
    expect(await run('expiretime', 'k')).toBe(Math.floor((clock.ms + 20_000) / 1000));
    expect(await run('expire', 'k', '1', 'nx', 'xx')).toEqual({ err: 'ERR NX and XX, GT or LT options at the same time are not compatible' });
    expect(await run('expire', 'k', '1', 'gt', 'lt')).toEqual({ err: 'ERR GT and LT options at the same time are not compatible' });
    expect(await run('expire', 'k', '1', 'ab')).toEqual({ err: 'ERR Unsupported option ab' });
    expect(await run('expire', 'k', '9223370399119966')).toEqual({ err: "ERR invalid expire time in 'expire' command" });
    expect(await run('persist', 'k')).toBe(1);
    expect(await run('ttl', 'k')).toBe(-1);
    expect(await run('ttl', 'nokey')).toBe(-2);
    expect(await run('expire', 'k', '-1')).toBe(1);
    expect(await run('exists', 'k')).toBe(0);
  });

  it('WRONGTYPE across types, and the string commands on a hash', async () => {
    const { run } = setup(1);
    await run('hset', 'h', 'f', 'v');
    const wrong = { err: 'WRONGTYPE Operation against a key holding the wrong kind of value' };
    for (const cmd of [['get', 'h'], ['incr', 'h'], ['append', 'h', 'x'], ['lpush', 'h', 'x'], ['sadd', 'h', 'x'], ['getrange', 'h', '0', '1'], ['set', 'h', 'x', 'get']]) {
      expect(await run(...cmd)).toEqual(wrong);
    }
    await run('set', 's', 'x');
    for (const cmd of [['hget', 's', 'f'], ['hset', 's', 'f', 'v'], ['hlen', 's'], ['hscan', 's', '0']]) expect(await run(...cmd)).toEqual(wrong);
    expect(await run('set', 'h', 'plain')).toBe('OK');
    expect(await run('type', 'h')).toBe('string');
  });

  it('server commands for tools and test harnesses', async () => {
    const { run } = setup(2);
    expect(await run('function', 'flush')).toBe('OK');
    expect(await run('debug', 'log', 'hello')).toBe('OK');
    expect(await run('hello', '3')).toEqual({ err: 'NOPROTO unsupported protocol version' });
    expect(((await run('hello')) as unknown[]).slice(0, 6)).toEqual(['server', 'redis', 'version', '7.0.0', 'proto', 2]);
    expect(await run('config', 'set', 'hash-max-listpack-entries', '5')).toBe('OK');
    expect(await run('config', 'get', 'hash-max-listpack-entries')).toEqual(['hash-max-listpack-entries', '5']);
    expect(await run('config', 'set', 'nope', '1')).toEqual({ err: "ERR Unknown option or number of arguments for CONFIG SET - 'nope'" });
    expect(((await run('time')) as string[]).length).toBe(2);
    expect(await run('select', '0')).toBe('OK');
    expect(await run('flushdb')).toBe('OK');
  });
});

describe('kv router', () => {
  it('hashes key bytes exactly as the runtime hashes the actor name kv/<key as latin1> (property)', async () => {
    const { kvShardOf, kvShardOfKey } = await import('./kv-router.js');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.integer({ min: 1, max: 64 }), (key, shards) => {
        expect(kvShardOfKey(key, shards)).toBe(kvShardOf(`kv/${Buffer.from(key).toString('latin1')}`, shards));
      }),
    );
  });
});

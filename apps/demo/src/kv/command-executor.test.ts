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
  const exec = new CommandExecutor({ backend, clock, stats: () => ({ tcpPort: 6380, connectedClients: 1, totalConnections: 1, totalCommands: 0 }) });
  const session = createClientSession(7, '127.0.0.1:5555');
  const run = async (...args: (string | Buffer)[]): Promise<unknown> => plain(await exec.execute(args.map((a) => (typeof a === 'string' ? Buffer.from(a) : a)), session));
  return { clock, backend, exec, session, run };
}

/** Buffers become strings so expectations read naturally. */
function plain(r: Reply): unknown {
  if (Buffer.isBuffer(r)) return r.toString('latin1');
  if (Array.isArray(r)) return r.map(plain);
  return r;
}

const err = (e: string) => ({ err: e });

describe('CommandExecutor: strings', () => {
  it('PING, ECHO, GET, SET', async () => {
    const { run } = setup();
    expect(await run('PING')).toBe('PONG');
    expect(await run('ping', 'hi')).toBe('hi');
    expect(await run('ping', 'a', 'b')).toEqual(err("ERR wrong number of arguments for 'ping' command"));
    expect(await run('ECHO', 'x')).toBe('x');
    expect(await run('GET', 'a')).toBeNull();
    expect(await run('SET', 'a', '1')).toBe('OK');
    expect(await run('get', 'a')).toBe('1');
  });

  it('arity and unknown command errors match Redis 7 exactly', async () => {
    const { run } = setup();
    expect(await run('GeT')).toEqual(err("ERR wrong number of arguments for 'get' command"));
    expect(await run('incrby', 'a')).toEqual(err("ERR wrong number of arguments for 'incrby' command"));
    expect(await run('foo', 'a', 'b')).toEqual(err("ERR unknown command 'foo', with args beginning with: 'a' 'b' "));
    expect(await run('foo')).toEqual(err("ERR unknown command 'foo', with args beginning with: "));
    expect(await run('mset', 'a')).toEqual(err("ERR wrong number of arguments for 'mset' command"));
    expect(await run('mset', 'a', 'b', 'c')).toEqual(err("ERR wrong number of arguments for 'mset' command"));
    expect(await run('config')).toEqual(err("ERR wrong number of arguments for 'config' command"));
    expect(await run('config', 'get')).toEqual(err("ERR wrong number of arguments for 'config|get' command"));
    const long = 'x'.repeat(300);
    const r = (await run('nope', long)) as { err: string };
    expect(r.err).toBe(`ERR unknown command 'nope', with args beginning with: '${'x'.repeat(128)}' `);
  });

  it('SET options and conflicts behave as Redis', async () => {
    const { run, clock } = setup();
    expect(await run('set', 'k', 'v', 'nx')).toBe('OK');
    expect(await run('set', 'k', 'w', 'nx')).toBeNull();
    expect(await run('set', 'k', 'w', 'xx')).toBe('OK');
    expect(await run('set', 'nokey', 'w', 'xx')).toBeNull();
    expect(await run('set', 'k', 'z', 'get')).toBe('w');
    expect(await run('set', 'k', 'q', 'nx', 'get')).toBe('z');
    for (const bad of [['nx', 'xx'], ['xx', 'nx'], ['ex', '10', 'px', '5'], ['px', '5', 'ex', '1'], ['ex', '1', 'keepttl'], ['keepttl', 'px', '1'], ['ex'], ['foo'], ['exat', '1', 'pxat', '1']]) {
      expect(await run('set', 'k', 'v', ...bad)).toEqual(err('ERR syntax error'));
    }
    expect(await run('set', 'k', 'v', 'ex', 'abc')).toEqual(err('ERR value is not an integer or out of range'));
    expect(await run('set', 'k', 'v', 'ex', '0')).toEqual(err("ERR invalid expire time in 'set' command"));
    expect(await run('set', 'k', 'v', 'px', '-5')).toEqual(err("ERR invalid expire time in 'set' command"));
    expect(await run('set', 'k', 'v', 'ex', '9223372036854775')).toEqual(err("ERR invalid expire time in 'set' command"));
    expect(await run('set', 'k', 'v', 'px', '9223372036854775807')).toEqual(err("ERR invalid expire time in 'set' command"));
    expect(await run('set', 'k', 'v', 'ex', '10', 'ex', '20')).toBe('OK');
    clock.advance(15_000);
    expect(await run('get', 'k')).toBe('v');
    clock.advance(5_000);
    expect(await run('get', 'k')).toBeNull();
  });

  it('TTLs: PX, EXAT, PXAT, KEEPTTL, plain SET clears the TTL, INCR keeps it', async () => {
    const { run, clock } = setup(1);
    await run('set', 'a', '1', 'px', '100');
    await run('set', 'a', '2', 'keepttl');
    await run('incr', 'a');
    clock.advance(99);
    expect(await run('get', 'a')).toBe('3');
    clock.advance(1);
    expect(await run('get', 'a')).toBeNull();
    expect(await run('exists', 'a')).toBe(0);
    await run('set', 'b', '1', 'px', '100');
    await run('set', 'b', '2');
    clock.advance(1000);
    expect(await run('get', 'b')).toBe('2');
    await run('set', 'c', '1', 'pxat', String(clock.ms + 50));
    await run('set', 'd', '1', 'exat', String(Math.floor(clock.ms / 1000) + 2));
    expect(await run('dbsize')).toBe(3);
    clock.advance(50);
    expect(await run('get', 'c')).toBeNull();
    clock.advance(2000);
    // Like Redis, DBSIZE counts keys not yet reclaimed (d expired; no active cycle runs here).
    expect(await run('dbsize')).toBe(2);
    expect(await run('get', 'd')).toBeNull();
    expect(await run('dbsize')).toBe(1);
  });

  it('INCR family: integers, errors and 64-bit overflow', async () => {
    const { run } = setup();
    expect(await run('incr', 'n')).toBe(1);
    expect(await run('incrby', 'n', '41')).toBe(42);
    expect(await run('decr', 'n')).toBe(41);
    expect(await run('decrby', 'n', '-9')).toBe(50);
    expect(await run('incrby', 'n', 'x')).toEqual(err('ERR value is not an integer or out of range'));
    expect(await run('incrby', 'n', '+1')).toEqual(err('ERR value is not an integer or out of range'));
    expect(await run('incrby', 'n', '01')).toEqual(err('ERR value is not an integer or out of range'));
    await run('set', 's', 'abc');
    expect(await run('incr', 's')).toEqual(err('ERR value is not an integer or out of range'));
    await run('set', 's', ' 1');
    expect(await run('incr', 's')).toEqual(err('ERR value is not an integer or out of range'));
    await run('set', 'max', '9223372036854775806');
    expect(await run('incr', 'max')).toBe(9223372036854775807n);
    expect(await run('incr', 'max')).toEqual(err('ERR increment or decrement would overflow'));
    expect(await run('get', 'max')).toBe('9223372036854775807');
    await run('set', 'min', '-9223372036854775808');
    expect(await run('decr', 'min')).toEqual(err('ERR increment or decrement would overflow'));
    expect(await run('decrby', 'x', '-9223372036854775808')).toEqual(err('ERR decrement would overflow'));
    expect(await run('incrby', 'x', '9223372036854775808')).toEqual(err('ERR value is not an integer or out of range'));
  });

  it('INCRBY matches BigInt arithmetic with int64 overflow detection (property)', async () => {
    const { run } = setup(1);
    const i64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    await fc.assert(
      fc.asyncProperty(i64, i64, async (start, by) => {
        await run('set', 'p', String(start));
        const r = await run('incrby', 'p', String(by));
        const sum = start + by;
        if (sum > 2n ** 63n - 1n || sum < -(2n ** 63n)) {
          expect(r).toEqual(err('ERR increment or decrement would overflow'));
          expect(await run('get', 'p')).toBe(String(start));
        } else {
          expect(BigInt(r as number | bigint)).toBe(sum);
          expect(await run('get', 'p')).toBe(String(sum));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('DEL / EXISTS count across shards (duplicates counted by EXISTS)', async () => {
    const { run } = setup(4);
    await run('mset', 'a', '1', 'b', '2', 'c', '3', 'd', '4');
    expect(await run('exists', 'a', 'a', 'b', 'zz')).toBe(3);
    expect(await run('del', 'a', 'b', 'zz', 'a')).toBe(2);
    expect(await run('dbsize')).toBe(2);
    expect(await run('flushall')).toBe('OK');
    expect(await run('flushall', 'async')).toBe('OK');
    expect(await run('flushall', 'x')).toEqual(err('ERR syntax error'));
    expect(await run('dbsize')).toBe(0);
  });

  it('MSET then MGET returns values in caller order across shards (property)', async () => {
    const { run, backend } = setup(5);
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string({ maxLength: 6 }), fc.uint8Array({ maxLength: 8 })), fc.array(fc.string({ maxLength: 6 }), { maxLength: 10 }), async (dict, extra) => {
        await run('flushall');
        const entries = Object.entries(dict);
        if (entries.length > 0) expect(await run('mset', ...entries.flatMap(([k, v]) => [k, Buffer.from(v)]))).toBe('OK');
        const keys = [...entries.map(([k]) => k), ...extra];
        if (keys.length === 0) return;
        const got = await run('mget', ...keys);
        expect(got).toEqual(keys.map((k) => (k in dict ? Buffer.from(dict[k]!).toString('latin1') : null)));
        expect(await run('dbsize')).toBe(entries.length);
      }),
      { numRuns: 100 },
    );
    expect(backend.gauges().filter((g) => g.processed > 0).length).toBeGreaterThan(1);
  });

  it('keys are binary-safe', async () => {
    const { run } = setup(3);
    const k1 = Buffer.from([0, 255, 10, 13]);
    const k2 = Buffer.from([0, 255, 10, 14]);
    await run('set', k1, Buffer.from([1, 2, 3]));
    expect(await run('get', k2)).toBeNull();
    expect(await run('get', k1)).toBe(Buffer.from([1, 2, 3]).toString('latin1'));
  });

  it('a later MSET pair for the same key wins', async () => {
    const { run } = setup(3);
    await run('mset', 'k', '1', 'j', '0', 'k', '2');
    expect(await run('get', 'k')).toBe('2');
  });
});

describe('CommandExecutor: server commands', () => {
  it('SELECT, QUIT, CLIENT', async () => {
    const { run, session } = setup();
    expect(await run('select', '0')).toBe('OK');
    expect(await run('select', '1')).toEqual(err('ERR DB index is out of range'));
    expect(await run('select', 'x')).toEqual(err('ERR value is not an integer or out of range'));
    expect(await run('client', 'id')).toBe(7);
    expect(await run('client', 'getname')).toBeNull();
    expect(await run('client', 'setname', 'me')).toBe('OK');
    expect(await run('client', 'getname')).toBe('me');
    expect(await run('client', 'setname', 'a b')).toEqual(err('ERR Client names cannot contain spaces, newlines or special characters.'));
    expect(await run('client', 'setinfo', 'lib-name', 'ioredis')).toBe('OK');
    expect(await run('client', 'foo')).toEqual(err("ERR unknown subcommand 'foo'. Try CLIENT HELP."));
    expect(session.closeAfterReply).toBe(false);
    expect(await run('quit')).toBe('OK');
    expect(session.closeAfterReply).toBe(true);
  });

  it('CONFIG GET answers like Redis for what redis-benchmark asks', async () => {
    const { run } = setup();
    expect(await run('config', 'get', 'save')).toEqual(['save', '']);
    expect(await run('config', 'get', 'appendonly')).toEqual(['appendonly', 'no']);
    expect(await run('config', 'get', 'nope')).toEqual([]);
    expect(await run('config', 'get', 'app*')).toEqual(['appendonly', 'no']);
    expect(await run('config', 'foo')).toEqual(err("ERR unknown subcommand 'foo'. Try CONFIG HELP."));
  });

  it('COMMAND, COMMAND COUNT, COMMAND DOCS, COMMAND INFO', async () => {
    const { run, exec } = setup();
    expect(await run('command', 'count')).toBe(exec.commands.size);
    expect(await run('command', 'docs')).toEqual([]);
    expect(await run('command', 'info', 'get', 'nope')).toEqual([['get', 2, ['readonly', 'fast'], 1, 1, 1, [], [], [], []], null]);
    expect(((await run('command')) as unknown[]).length).toBe(exec.commands.size);
    expect(await run('command', 'foo')).toEqual(err("ERR unknown subcommand 'foo'. Try COMMAND HELP."));
  });

  it('INFO has server/clients/keyspace/shards sections', async () => {
    const { run } = setup(2);
    await run('set', 'a', '1', 'ex', '100');
    await run('set', 'b', '1');
    const text = (await run('info')) as string;
    expect(text).toContain('# Server\r\nredis_version:');
    expect(text).toContain('connected_clients:1');
    expect(text).toContain('db0:keys=2,expires=1,avg_ttl=0');
    expect(text).toMatch(/# Shards\r\nshard0:state=up,keys=\d+,processed=\d+,mailbox_depth=0,busy_ratio=0.000,restarts=0\r\nshard1:/);
    expect(await run('info', 'keyspace')).toBe('# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\n');
    expect(await run('info', 'nosuch')).toBe('');
  });
});

describe('CommandExecutor: instrument timing', () => {
  it('times every known command once with its final reply, errors included, and replies exactly as without it (property)', async () => {
    const commands = fc.constantFrom(['SET', 'k', 'v'], ['GET', 'k'], ['INCR', 'k'], ['INCR', 'n'], ['GET'], ['PING'], ['NOPE', 'x'], ['DEL', 'k', 'n'], ['ECHO', 'hi']);
    await fc.assert(
      fc.asyncProperty(fc.array(commands, { maxLength: 25 }), async (script) => {
        const plainRun = setup(2);
        const clock = new FakeClock();
        const recorded: [string, number, unknown][] = [];
        let wrapped = 0;
        const exec = new CommandExecutor({
          backend: new LocalBackend({ shards: 2, clock }),
          clock,
          instrument: {
            run: (_name, f) => (wrapped++, f()),
            timing: { now: () => 42, record: (name, startedAt, reply) => void recorded.push([name, startedAt, plain(reply)]) },
          },
        });
        const session = createClientSession(8, '127.0.0.1:5556');
        const expected: [string, number, unknown][] = [];
        for (const args of script) {
          const want = await plainRun.run(...args);
          const got = plain(await exec.execute(args.map((a) => Buffer.from(a)), session));
          expect(got).toEqual(want);
          if (args[0] !== 'NOPE') expected.push([(args[0] as string).toLowerCase(), 42, want]);
        }
        expect(recorded).toEqual(expected);
        expect(wrapped).toBe(0);
      }),
      { numRuns: 40 },
    );
  });

  it('with traceNext, runs exactly the picked commands inside run, and still times each known command once (property)', async () => {
    const commands = fc.constantFrom(['SET', 'k', 'v'], ['GET', 'k'], ['INCR', 'k'], ['GET'], ['PING'], ['NOPE', 'x'], ['DEL', 'k']);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(commands, fc.boolean()), { maxLength: 25 }), async (script) => {
        const plainRun = setup(2);
        const clock = new FakeClock();
        const recorded: [string, unknown][] = [];
        const wrapped: string[] = [];
        let asked = 0;
        const exec = new CommandExecutor({
          backend: new LocalBackend({ shards: 2, clock }),
          clock,
          instrument: {
            run: (name, f) => (wrapped.push(name), f()),
            timing: { now: () => 1, record: (name, _startedAt, reply) => void recorded.push([name, plain(reply)]) },
            traceNext: () => script[asked++]?.[1] ?? false,
          },
        });
        const session = createClientSession(9, '127.0.0.1:5557');
        const expectedRecorded: [string, unknown][] = [];
        const expectedWrapped: string[] = [];
        for (const [args, pick] of script) {
          const want = await plainRun.run(...args);
          const got = plain(await exec.execute(args.map((a) => Buffer.from(a)), session));
          expect(got).toEqual(want);
          if (args[0] === 'NOPE') {
            asked++; // an unknown command is answered before any instrument hook
            continue;
          }
          expectedRecorded.push([(args[0] as string).toLowerCase(), want]);
          if (pick) expectedWrapped.push((args[0] as string).toLowerCase());
        }
        expect(recorded).toEqual(expectedRecorded);
        expect(wrapped).toEqual(expectedWrapped);
      }),
      { numRuns: 40 },
    );
  });
});

import { ShnError, type Timer } from '@shn/core';
import type { Runtime } from '@shn/core-mailbox';
import { describe, expect, it } from 'vitest';
import { RuntimeBackend } from './runtime-backend.js';

const immediateTimer: Timer = { setTimeout: (fn) => (queueMicrotask(fn), {}), clearTimeout: () => undefined };

function fakeRuntime(failures: ShnError[], calls: { id: string; type: string }[]): Runtime {
  const ask = (_kind: string, id: string, type: string) => {
    calls.push({ id, type });
    const f = failures.shift();
    return f ? Promise.reject(f) : Promise.resolve('OK');
  };
  return {
    shards: 2,
    ask,
    shardOf: () => 1,
    refOnShard: (_s: number, kind: string, id: string) => ({ ask: (type: string) => ask(kind, id, type) }),
    gauges: () => [],
  } as unknown as Runtime;
}

describe('RuntimeBackend', () => {
  it('routes single-key requests to the shard owning kv/<key as latin1>', async () => {
    const calls: { id: string; type: string }[] = [];
    const asked: string[] = [];
    const rt = fakeRuntime([], calls);
    (rt as unknown as { shardOf: (k: string, id: string) => number }).shardOf = (_k, id) => (asked.push(id), 1);
    const b = new RuntimeBackend(rt, { timer: immediateTimer });
    expect(await b.forKey(Buffer.from([0xff, 0x00]), { op: 'get', key: Buffer.from([0xff, 0x00]) })).toBe('OK');
    expect(asked).toEqual(['\u00ff\u0000']);
    expect(calls).toEqual([{ id: 'any', type: 'get' }]);
  });

  it('sends the requests of one turn to a shard as one batch, in order, and hands each its reply', async () => {
    const bodies: unknown[] = [];
    const rt = {
      shards: 2,
      shardOf: () => 0,
      refOnShard: (shard: number) => ({
        ask: (type: string, body: { reqs?: { op: string; key: Buffer }[] }) => {
          bodies.push({ shard, type, n: body.reqs?.length ?? 1 });
          return Promise.resolve(type === 'batch' ? body.reqs!.map((r) => `${r.op}:${r.key.toString()}`) : 'single');
        },
      }),
    } as unknown as Runtime;
    const b = new RuntimeBackend(rt, { timer: immediateTimer });
    const keys = ['a', 'b', 'c'].map((k) => Buffer.from(k));
    const replies = await Promise.all([...keys.map((k) => b.forKey(k, { op: 'get', key: k })), b.onShard(1, { op: 'dbsize' })]);
    expect(replies).toEqual(['get:a', 'get:b', 'get:c', 'single']);
    expect(bodies).toEqual([
      { shard: 0, type: 'batch', n: 3 },
      { shard: 1, type: 'dbsize', n: 1 },
    ]);
  });

  it('retries a full mailbox, then succeeds', async () => {
    const calls: { id: string; type: string }[] = [];
    const full = () => new ShnError('MAILBOX_FULL', 'full');
    const b = new RuntimeBackend(fakeRuntime([full(), full()], calls), { timer: immediateTimer, busyRetryDelaysMs: [1, 1, 1] });
    expect(await b.onShard(0, { op: 'dbsize' })).toBe('OK');
    expect(calls).toHaveLength(3);
  });

  it('answers ERR server busy once retries are exhausted, and maps other failures to error replies', async () => {
    const full = () => new ShnError('MAILBOX_FULL', 'full');
    const b = new RuntimeBackend(fakeRuntime([full(), full(), full()], []), { timer: immediateTimer, busyRetryDelaysMs: [1, 1] });
    expect(await b.onShard(0, { op: 'dbsize' })).toEqual({ err: 'ERR server busy' });
    const crashed = new RuntimeBackend(fakeRuntime([new ShnError('SHARD_CRASHED', 'x')], []), { timer: immediateTimer });
    expect(await crashed.onShard(0, { op: 'dbsize' })).toEqual({ err: 'ERR shard crashed; the command may or may not have been applied' });
    const timeout = new RuntimeBackend(fakeRuntime([new ShnError('TIMEOUT', 'x')], []), { timer: immediateTimer });
    expect(((await timeout.onShard(0, { op: 'dbsize' })) as { err: string }).err).toMatch(/^ERR timeout/);
  });
});

import { ShnError, type Timer } from '@shn/core';
import type { Runtime } from '@shn/core-mailbox';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RuntimeBackend, type TraceScope } from './runtime-backend.js';

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

  it('never answers ERR server busy: a full mailbox is retried until it is accepted; other failures map to error replies', async () => {
    const full = () => new ShnError('MAILBOX_FULL', 'full');
    const calls: { id: string; type: string }[] = [];
    const b = new RuntimeBackend(fakeRuntime(Array.from({ length: 12 }, full), calls), { timer: immediateTimer, busyRetryDelaysMs: [1, 1] });
    expect(await b.onShard(0, { op: 'dbsize' })).toBe('OK');
    expect(calls).toHaveLength(13);
    const crashed = new RuntimeBackend(fakeRuntime([new ShnError('SHARD_CRASHED', 'x')], []), { timer: immediateTimer });
    expect(await crashed.onShard(0, { op: 'dbsize' })).toEqual({ err: 'ERR shard crashed; the command may or may not have been applied' });
    const timeout = new RuntimeBackend(fakeRuntime([new ShnError('TIMEOUT', 'x')], []), { timer: immediateTimer });
    expect(((await timeout.onShard(0, { op: 'dbsize' })) as { err: string }).err).toMatch(/^ERR timeout/);
  });

  it('bounds the asks in flight per shard; later batches wait in order and run as the earlier ones answer', async () => {
    const sent: string[][] = [];
    const answers: (() => void)[] = [];
    const rt = {
      shards: 1,
      shardOf: () => 0,
      refOnShard: () => ({
        ask: (type: string, body: { reqs?: { args: Buffer[] }[]; args?: Buffer[] }) => {
          const keys = (body.reqs ?? [body]).map((r) => r.args![1]!.toString());
          sent.push(keys);
          return new Promise((resolve) => answers.push(() => resolve(type === 'batch' ? keys : keys[0])));
        },
      }),
    } as unknown as Runtime;
    // 1 KiB of requests in flight at most: each 600-byte request waits for the one before.
    const b = new RuntimeBackend(rt, { timer: immediateTimer, maxInflightBytes: 1024 });
    const big = Buffer.alloc(600);
    const cmd = (k: string) => ({ op: 'cmd' as const, args: [Buffer.from('set'), Buffer.from(k), big] });
    const turn = () => new Promise((r) => setImmediate(r));
    const first = b.onShard(0, cmd('a'));
    await turn();
    const rest = [b.onShard(0, cmd('b')), b.onShard(0, cmd('c'))];
    await turn();
    expect(sent).toEqual([['a']]);
    expect(b.backlogOf(0)).toBe(1);
    answers.shift()!();
    expect(await first).toBe('a');
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual([['a'], ['b', 'c']]);
    answers.shift()!();
    expect(await Promise.all(rest)).toEqual(['b', 'c']);
  });

  it('a batch refused as full is retried before any later batch to that shard is sent', async () => {
    const accepted: string[] = [];
    let refuse = 1;
    const rt = {
      shards: 1,
      shardOf: () => 0,
      refOnShard: () => ({
        ask: (_type: string, body: { key?: Buffer }) => {
          if (refuse-- > 0) return Promise.reject(new ShnError('MAILBOX_FULL', 'ring full'));
          accepted.push(body.key!.toString());
          return Promise.resolve('OK');
        },
      }),
    } as unknown as Runtime;
    const b = new RuntimeBackend(rt, { timer: immediateTimer, messageBudget: 1024 });
    const big = Buffer.alloc(1100);
    // Each request fills a batch, so each is sent at once, in the same synchronous run.
    const replies = await Promise.all(['a', 'b', 'c'].map((k) => b.onShard(0, { op: 'set', key: Buffer.from(k), value: big })));
    expect(replies).toEqual(['OK', 'OK', 'OK']);
    expect(accepted).toEqual(['a', 'b', 'c']);
  });

  it('with a trace scope, every batch is sent in the trace of the traced requests it carries (one at most), or in none; order and replies are kept (property)', async () => {
    // A script of requests made in one turn or across turns, each to a shard, each traced (by one
    // of three traces) or not; inflight bounds small enough that batches also wait in the backlog.
    const step = fc.record({ shard: fc.integer({ min: 0, max: 1 }), trace: fc.constantFrom(undefined, undefined, 'A', 'B', 'C'), turn: fc.boolean(), bytes: fc.integer({ min: 1, max: 700 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (script) => {
        let active: unknown;
        const scope: TraceScope = {
          capture: () => active,
          run: (trace, send) => {
            const outer = active;
            active = trace;
            try {
              return send();
            } finally {
              active = outer;
            }
          },
        };
        const sent: { shard: number; trace: unknown; keys: string[] }[] = [];
        const answers: (() => void)[] = [];
        const rt = {
          shards: 2,
          shardOf: () => 0,
          refOnShard: (shard: number) => ({
            ask: (type: string, body: { reqs?: { args: Buffer[] }[]; args?: Buffer[] }) => {
              const keys = (body.reqs ?? [body]).map((r) => r.args![1]!.toString());
              sent.push({ shard, trace: active, keys });
              return new Promise((resolve) => answers.push(() => resolve(type === 'batch' ? keys : keys[0])));
            },
          }),
        } as unknown as Runtime;
        const b = new RuntimeBackend(rt, { timer: immediateTimer, maxInflightBytes: 1024, traceScope: scope });
        const traceOf = new Map<string, unknown>();
        const replies: Promise<unknown>[] = [];
        const turn = () => new Promise((r) => setImmediate(r));
        for (const [i, st] of script.entries()) {
          const key = `k${i}`;
          traceOf.set(key, st.trace);
          active = st.trace; // the request is made inside its command's context
          replies.push(b.onShard(st.shard, { op: 'cmd', args: [Buffer.from('set'), Buffer.from(key), Buffer.alloc(st.bytes)] }));
          active = i % 3 === 0 ? 'A' : undefined; // whatever context the caller is in afterwards
          if (st.turn) await turn();
        }
        active = 'B'; // the context that schedules later flushes and drains must not leak into batches
        let settled = 0;
        for (const r of replies) void r.then(() => settled++);
        for (let spins = 0; spins < 500 && settled < replies.length; spins++) {
          await turn();
          answers.shift()?.();
        }
        expect(settled, JSON.stringify({ sent, backlog: [b.backlogOf(0), b.backlogOf(1)], answers: answers.length })).toBe(replies.length);
        expect((await Promise.all(replies)).map(String)).toEqual(script.map((_, i) => `k${i}`));
        for (const batch of sent) {
          const traces = new Set(batch.keys.map((k) => traceOf.get(k)).filter((t) => t !== undefined));
          expect(traces.size).toBeLessThanOrEqual(1);
          expect(batch.trace).toBe([...traces][0]);
        }
        // Per shard, the requests went out in the order they were made.
        for (const shard of [0, 1]) {
          const order = sent.filter((x) => x.shard === shard).flatMap((x) => x.keys);
          expect(order).toEqual(script.flatMap((st, i) => (st.shard === shard ? [`k${i}`] : [])));
        }
      }),
      { numRuns: 100 },
    );
  });
});

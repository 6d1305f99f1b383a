import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCode } from '@shn/core';
import type { RuntimeEvent } from '@shn/core';
import { createRuntime } from './runtime.js';
import type { Runtime } from './runtime.js';

// Shard threads run plain Node, so they load the built fixture (turbo builds before testing).
const system = new URL('../../dist/runtime/fixtures/test-system.js', import.meta.url);

function nextEvent(rt: Runtime, pred: (e: RuntimeEvent) => boolean): Promise<RuntimeEvent> {
  return new Promise((resolve) => {
    const off = rt.on((e) => {
      if (pred(e)) {
        off();
        resolve(e);
      }
    });
  });
}

/** Finds an id of `kind` that the router places on `shard`. */
function idOn(rt: Runtime, kind: string, shard: number, prefix = 'k'): string {
  for (let i = 0; ; i++) if (rt.shardOf(kind, `${prefix}${i}`) === shard) return `${prefix}${i}`;
}

describe('runtime: messaging across real shard threads', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await createRuntime({ system, shards: 2, askTimeoutMs: 10_000 });
  });
  afterAll(async () => {
    await rt.close();
  });

  it('places actors by the router and runs each on its owning shard', async () => {
    expect(rt.ready).toBe(true);
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f']) {
      expect(await rt.ask('echo', id, 'where')).toBe(rt.shardOf('echo', id));
    }
  });

  it('round-trips bodies and headers through ask', async () => {
    const body = { s: 'héllo', n: 42, f: 1.5, big: 2n ** 70n, bytes: Buffer.from([1, 2, 3]), list: [null, true], m: new Map([['k', 1]]) };
    expect(await rt.ask('echo', 'x', 'echo', body)).toEqual(body);
    expect(await rt.ask('echo', 'x', 'headers', null, { headers: { traceparent: 't1' } })).toEqual({ traceparent: 't1' });
  });

  it('keeps per-sender FIFO order for tells and processes each exactly once', async () => {
    const id = 'fifo';
    for (let i = 0; i < 2000; i++) expect(rt.tell('counter', id, 'seq', i)).toBe('accepted');
    const seen = await rt.ask<number[]>('counter', id, 'seen');
    expect(seen).toEqual(Array.from({ length: 2000 }, (_, i) => i));
  });

  it('lets actors ask actors on other shards', async () => {
    const target = idOn(rt, 'counter', 1);
    const via = idOn(rt, 'echo', 0);
    await rt.ask('counter', target, 'add', 5);
    expect(await rt.ask('echo', via, 'forward', { kind: 'counter', id: target, type: 'get', body: null })).toBe(5);
  });

  it('per-shard kinds have one instance per shard', async () => {
    const a = idOn(rt, 'shardwide', 0, 'a');
    const b = idOn(rt, 'shardwide', 0, 'b');
    await rt.ask('shardwide', a, 'add', 1);
    expect(await rt.ask('shardwide', b, 'add', 1)).toBe(2);
    expect(await rt.refOnShard(1, 'shardwide', 'anything').ask('get')).toBe(0);
  });

  it('rejects with typed errors: actor failure, unknown kind, timeout, bad input', async () => {
    await expect(rt.ask('echo', 'x', 'fail', 'on purpose')).rejects.toMatchObject({ code: 'ACTOR_FAILED' });
    await expect(rt.ask('nosuchkind', 'x', 'get')).rejects.toMatchObject({ code: 'ACTOR_NOT_FOUND' });
    await expect(rt.ask('echo', 'x', 'slow', 2_000, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    await expect(rt.ask('echo', 'x', 'unsendable')).rejects.toMatchObject({ code: 'ENCODE_FAILED' });
    expect(() => rt.tell('echo', 'x', 'echo', () => 1)).toThrowError(expect.objectContaining({ code: 'ENCODE_FAILED' }));
    expect(() => rt.ref('bad kind', 'x')).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    await expect(rt.ask('echo', 'x', '')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    // An id that is not a string is refused, not coerced into another actor's name.
    for (const id of [42, undefined, null, { toString: () => 'x' }] as unknown as string[]) {
      expect(() => rt.ref('echo', id)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
      expect(() => rt.tell('echo', id, 'echo', 1)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
      expect(() => rt.shardOf('echo', id)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
      await expect(rt.ask('echo', id, 'echo', 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    // The runtime still works afterwards.
    expect(await rt.ask('echo', 'x', 'echo', 1)).toBe(1);
  });

  it('rejects a message whose deadline already passed without running it', async () => {
    await expect(rt.ask('echo', 'x', 'echo', 1, { deadline: Date.now() - 1 })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
  });

  it('reports gauges per shard', async () => {
    const g = rt.gauges();
    expect(g).toHaveLength(2);
    for (const s of g) {
      expect(s.state).toBe('up');
      expect(s.processed).toBeGreaterThan(0);
      expect(s.mailboxDepth).toBeGreaterThanOrEqual(0);
      expect(s.busyRatio).toBeGreaterThanOrEqual(0);
      expect(s.busyRatio).toBeLessThanOrEqual(1);
    }
  });
});

describe('runtime: a full ring says full, never blocks, loses nothing', () => {
  it('returns full under a flood and every accepted message is processed', async () => {
    const rt = await createRuntime({ system, shards: 1, ringCapacity: 1024 });
    try {
      let accepted = 0;
      let full = 0;
      for (let i = 0; i < 500; i++) {
        const r = rt.tell('counter', 'flood', 'add', 1);
        if (r === 'accepted') accepted++;
        else if (r === 'full') full++;
      }
      expect(full).toBeGreaterThan(0);
      // The ask itself may meet a still-full ring: MAILBOX_FULL is the answer then; retry.
      const get = async (): Promise<unknown> => {
        for (;;) {
          try {
            return await rt.ask('counter', 'flood', 'get');
          } catch (e) {
            if (!hasCode(e, 'MAILBOX_FULL')) throw e;
            await new Promise((r) => setImmediate(r));
          }
        }
      };
      expect(await get()).toBe(accepted);
    } finally {
      await rt.close();
    }
  });
});

describe('runtime: shard supervision', () => {
  it('restarts a shard killed mid-stream; queued messages survive; the in-flight loss is reported', async () => {
    const rt = await createRuntime({ system, shards: 2, restart: { backoffMs: { initial: 1, max: 10 } } });
    try {
      const victim = idOn(rt, 'echo', 1, 'v');
      const lost: RuntimeEvent[] = [];
      rt.on((e) => {
        if (e.type === 'message-lost') lost.push(e);
      });
      const restarted = nextEvent(rt, (e) => e.type === 'shard-restarted' && e.shard === 1);
      const crashed = nextEvent(rt, (e) => e.type === 'shard-crashed' && e.shard === 1);
      // A stream of asks to one actor: #50 kills the thread while it is being handled.
      const results = Array.from({ length: 100 }, (_, i) =>
        (i === 50 ? rt.ask('echo', victim, 'exit') : rt.ask('echo', victim, 'echo', i)).then(
          (v) => ({ ok: true as const, v }),
          (e: unknown) => ({ ok: false as const, e }),
        ),
      );
      const settled = await Promise.all(results);
      await crashed;
      await restarted;
      settled.forEach((r, i) => {
        if (i === 50) {
          expect(r.ok).toBe(false);
          expect(hasCode((r as { e: unknown }).e, 'SHARD_CRASHED')).toBe(true);
        } else {
          expect(r).toEqual({ ok: true, v: i });
        }
      });
      expect(lost).toHaveLength(1);
      expect(lost[0]).toMatchObject({ type: 'message-lost', shard: 1, envelope: { type: 'exit', to: { actor: `echo/${victim}` } } });
      expect(rt.gauges()[1]?.restarts).toBe(1);
      expect(rt.ready).toBe(true);
    } finally {
      await rt.close();
    }
  });

  it('reports messages still pending when a shard dies (awaiting an async receive, or queued behind it) with SHARD_CRASHED', async () => {
    const rt = await createRuntime({ system, shards: 1, restart: { backoffMs: { initial: 1, max: 10 } } });
    try {
      await rt.ask('echo', 'held', 'echo', 0); // activate
      const held = rt.ask('echo', 'held', 'slow', 10_000);
      const queued = rt.ask('echo', 'held', 'echo', 1);
      // Both have left the ring: the first awaits its async receive, the second waits in the mailbox.
      await expect.poll(() => rt.gauges()[0]?.mailboxDepth).toBe(1);
      await rt.killShard(0);
      await expect(held).rejects.toMatchObject({ code: 'SHARD_CRASHED' });
      await expect(queued).rejects.toMatchObject({ code: 'SHARD_CRASHED' });
      await rt.whenReady();
      expect(await rt.ask('echo', 'held', 'echo', 2)).toBe(2);
    } finally {
      await rt.close();
    }
  });

  it('restarts a thread terminated from outside and keeps serving', async () => {
    const rt = await createRuntime({ system, shards: 2, restart: { backoffMs: { initial: 1, max: 10 } } });
    try {
      const id = idOn(rt, 'counter', 0);
      const restarted = nextEvent(rt, (e) => e.type === 'shard-restarted' && e.shard === 0);
      await rt.killShard(0);
      expect(rt.ready).toBe(false);
      // Sent while the shard is down: queued in the ring, handled after the restart.
      const pending = rt.ask('counter', id, 'add', 7);
      await restarted;
      expect(await pending).toBe(7);
    } finally {
      await rt.close();
    }
  });

  it('gives up after the restart intensity and fails asks to the dead shard', async () => {
    const rt = await createRuntime({ system, shards: 2, restart: { maxRestarts: 1, periodMs: 60_000, backoffMs: { initial: 1, max: 1 } } });
    try {
      const id = idOn(rt, 'echo', 1);
      const failed = nextEvent(rt, (e) => e.type === 'runtime-failed');
      await expect(rt.ask('echo', id, 'exit')).rejects.toMatchObject({ code: 'SHARD_CRASHED' });
      await rt.whenReady();
      await expect(rt.ask('echo', id, 'exit')).rejects.toMatchObject({ code: 'SHARD_CRASHED' });
      await failed;
      expect(rt.failed?.code).toBe('RUNTIME_FAILED');
      await expect(rt.ask('echo', id, 'echo', 1)).rejects.toMatchObject({ code: 'RUNTIME_FAILED' });
      expect(rt.tell('echo', id, 'echo', 1)).toBe('closed');
      expect(rt.gauges()[1]?.state).toBe('down');
      // The other shard still serves.
      expect(await rt.ask('echo', idOn(rt, 'echo', 0), 'echo', 2)).toBe(2);
    } finally {
      await rt.close();
    }
  });
});

describe('runtime: lifecycle', () => {
  it('drains queued messages on close, then refuses new ones', async () => {
    const rt = await createRuntime({ system, shards: 2 });
    const replies = Array.from({ length: 200 }, (_, i) => rt.ask('counter', 'drain', 'add', 1).then(() => i));
    await rt.close();
    expect(await Promise.all(replies)).toHaveLength(200);
    expect(rt.tell('counter', 'drain', 'add', 1)).toBe('closed');
    await expect(rt.ask('counter', 'drain', 'get')).rejects.toMatchObject({ code: 'RUNTIME_CLOSED' });
    expect(rt.gauges().every((g) => g.state === 'down')).toBe(true);
  });

  it('rejects bad options and bad system modules with INVALID_ARGUMENT', async () => {
    await expect(createRuntime({ system, shards: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(createRuntime({ system: 'relative/path.js' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(createRuntime({ system: new URL('./nope.js', import.meta.url) })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(createRuntime({ system: new URL('../../dist/runtime/supervisor/restart-limiter.js', import.meta.url) })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});

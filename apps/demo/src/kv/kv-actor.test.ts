import { seededRng, type ActorContext, type Envelope, type Timer, type TimerHandle } from '@shn/core';
import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.test-helper.js';
import { createKvActor, SWEEP_INTERVAL_MS } from './kv-actor.js';
import type { ShardRequest } from './shard-request.js';

/** A timer whose callbacks run only when the test fires them. */
class ManualTimer implements Timer {
  pending: { fn: () => void; ms: number; handle: TimerHandle }[] = [];
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const handle: TimerHandle = { unref: () => undefined };
    this.pending.push({ fn, ms, handle });
    return handle;
  }
  clearTimeout(handle: TimerHandle): void {
    this.pending = this.pending.filter((p) => p.handle !== handle);
  }
  fireAll(): void {
    const due = this.pending;
    this.pending = [];
    for (const p of due) p.fn();
  }
}

function harness() {
  const clock = new FakeClock();
  const timer = new ManualTimer();
  const ctx = { clock, timer, rng: seededRng(1) } as unknown as ActorContext;
  const actor = createKvActor();
  void actor.start?.(ctx);
  const send = (req: ShardRequest | unknown, type = (req as { op?: string }).op ?? 'x') =>
    actor.receive({ type, body: req } as unknown as Envelope, ctx);
  return { clock, timer, ctx, actor, send };
}

describe('kv actor', () => {
  it('answers shard requests and rejects malformed bodies with an error reply', () => {
    const { send } = harness();
    expect(send({ op: 'set', key: Buffer.from('a'), value: Buffer.from('1') })).toBe('OK');
    expect(send({ op: 'get', key: Buffer.from('a') })).toEqual(Buffer.from('1'));
    expect(send({ op: 'get', key: 'not-bytes' })).toEqual({ err: 'ERR malformed shard request "get"' });
    expect(send(null, 'weird')).toEqual({ err: 'ERR malformed shard request "weird"' });
    expect(send({ op: 'mset', pairs: [Buffer.from('k')] })).toHaveProperty('err');
  });

  it('the periodic sweep (on ctx.timer) removes expired keys that are never read again', () => {
    const { clock, timer, send } = harness();
    expect(timer.pending).toHaveLength(1);
    expect(timer.pending[0]!.ms).toBe(SWEEP_INTERVAL_MS);
    for (let i = 0; i < 100; i++) send({ op: 'set', key: Buffer.from(`k${i}`), value: Buffer.from('v'), pxIn: 50n });
    send({ op: 'set', key: Buffer.from('keep'), value: Buffer.from('v') });
    expect(send({ op: 'stats' })).toEqual([101, 100, 101]);
    clock.advance(60);
    timer.fireAll();
    expect(timer.pending).toHaveLength(1); // rescheduled
    // The sampled expiry cycle reclaimed every expired key (most samples hit, so it kept going).
    expect(send({ op: 'dbsize' })).toBe(1);
    expect(send({ op: 'exists', keys: [Buffer.from('k1'), Buffer.from('keep')] })).toBe(1);
  });

  it('stop cancels the sweep timer', () => {
    const { timer, actor, ctx } = harness();
    void actor.stop?.(ctx);
    expect(timer.pending).toHaveLength(0);
  });
});

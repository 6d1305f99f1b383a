import { describe, expect, it } from 'vitest';
import type { ActorContext, ActorRef, Envelope, Timer, TimerHandle } from '@shn/core';
import { seededRng, systemClock } from '@shn/core';
import { AntiEntropyNode } from './anti-entropy-node.js';
import { antiEntropyBehavior, SYNC_TICK_ENVELOPE_TYPE } from './anti-entropy-behavior.js';
import { gCounter } from '../types/g-counter.js';

/** Three actors on a fake runtime: tells are queued and delivered in steps; timers fire on demand. */
function harness() {
  const queue: { to: string; env: Envelope }[] = [];
  const timers: (() => void)[] = [];
  const timer: Timer = {
    setTimeout: (fn) => {
      timers.push(fn);
      return {} as TimerHandle;
    },
    clearTimeout: () => {},
  };
  const ctxFor = (id: string): ActorContext => {
    const ref = (kind: string, to: string): ActorRef => ({
      address: { node: 'n', shard: 0, actor: `${kind}/${to}` },
      tell: (type, body) => {
        queue.push({ to, env: { id: 'x', to: { node: 'n', shard: 0, actor: `${kind}/${to}` }, type, body, headers: {} } as unknown as Envelope });
        return 'accepted';
      },
      ask: () => Promise.reject(new Error('no asks')),
    });
    return {
      self: { node: 'n', shard: 0, actor: `counter/${id}` },
      id,
      ref,
      tell: (to, type, body) => to.tell(type, body),
      ask: () => Promise.reject(new Error('no asks')),
      spawn: () => {
        throw new Error('no spawn');
      },
      stop: () => {},
      clock: systemClock,
      timer,
      rng: seededRng(1),
      log: { debug() {}, info() {}, warn() {}, error() {} },
    };
  };
  return { queue, timers, ctxFor };
}

describe('antiEntropyBehavior', () => {
  it('syncs replicas through tells, ticking on ctx.timer via self-addressed envelopes', async () => {
    const ids = ['a', 'b', 'c'];
    const h = harness();
    const nodes = new Map(ids.map((id) => [id, new AntiEntropyNode(gCounter, id, { peers: ids })]));
    const actors = new Map(ids.map((id) => [id, antiEntropyBehavior(nodes.get(id)!, { kind: 'counter', intervalMs: 10 })]));
    for (const id of ids) await actors.get(id)!.start!(h.ctxFor(id));
    nodes.get('a')!.mutate((s, r) => gCounter.increment(s, r, 4));
    nodes.get('c')!.mutate((s, r) => gCounter.increment(s, r, 3));
    expect(h.timers).toHaveLength(3);
    h.timers.splice(0).forEach((fire) => fire()); // timers only enqueue ticks
    expect(h.queue.map((q) => q.env.type)).toEqual([SYNC_TICK_ENVELOPE_TYPE, SYNC_TICK_ENVELOPE_TYPE, SYNC_TICK_ENVELOPE_TYPE]);
    for (let i = 0; i < 1000 && h.queue.length > 0; i++) {
      const { to, env } = h.queue.shift()!;
      actors.get(to)!.receive(env, h.ctxFor(to));
    }
    expect(ids.map((id) => nodes.get(id)!.value)).toEqual([7, 7, 7]);
    expect(h.timers).toHaveLength(3); // each tick rescheduled itself
    expect(() => actors.get('a')!.receive({ type: 'other' } as Envelope, h.ctxFor('a'))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

import { describe, expect, it } from 'vitest';
import { HEADERS, defineSystem, seededRng, systemTimer } from '@shn/core';
import type { Envelope, RunQueueContext, ShnError } from '@shn/core';
import { codeOf, virtualClock } from '../virtual-clock.test-helper.js';
import { edfSlot, fifoSlot, mlfqSlot, prioritySlot, wfqSlot } from './run-queue-slots.js';

let seq = 0;
function env(actor: string, extra: Partial<Envelope> = {}): Envelope {
  return { id: `${actor}-${seq++}`, to: { node: 'local', shard: 0, actor }, type: 't', body: null, headers: {}, ...extra };
}

function context(now = 1000) {
  const dropped: { env: Envelope; error: ShnError }[] = [];
  const ctx: RunQueueContext = {
    node: 'local',
    shard: 0,
    clock: virtualClock(now),
    timer: systemTimer,
    rng: seededRng(1),
    dropped: (e, error) => dropped.push({ env: e, error }),
  };
  return { ctx, dropped };
}

describe('run-queue slots', () => {
  it('plug into defineSystem and build working queues', () => {
    const factories = [fifoSlot(), prioritySlot({ levels: 2 }), edfSlot(), wfqSlot(), mlfqSlot()];
    for (const runQueue of factories) {
      expect(() => defineSystem({ kinds: {}, runQueue })).not.toThrow();
      const q = runQueue(context().ctx);
      q.push(env('a/1'), 0);
      q.push(env('a/2'), 0);
      expect(q.size).toBe(2);
      expect(q.pop()?.to.actor).toBe('a/1');
    }
  });

  it('edfSlot drops an expired envelope through ctx.dropped with DEADLINE_EXCEEDED and never returns it', () => {
    const { ctx, dropped } = context(1000);
    const q = edfSlot()(ctx);
    q.push(env('k/late', { deadline: 999 }), 0);
    q.push(env('k/soon', { deadline: 1500 }), 0);
    q.push(env('k/none'), 0);
    expect(q.pop()?.to.actor).toBe('k/soon');
    expect(q.pop()?.to.actor).toBe('k/none');
    expect(q.pop()).toBeUndefined();
    expect(dropped.map((d) => [d.env.to.actor, d.error.code])).toEqual([['k/late', 'DEADLINE_EXCEEDED']]);
  });

  it('wfqSlot shares by tenant header (falling back to the kind) with weights', () => {
    const q = wfqSlot({ weights: { gold: 3 } })(context().ctx);
    for (let i = 0; i < 40; i++) {
      q.push(env(`kv/${i}`, { headers: { [HEADERS.tenant]: 'gold' } }), 0);
      q.push(env(`kv/${i}`, { headers: { [HEADERS.tenant]: 'free' } }), 0);
    }
    const first = Array.from({ length: 20 }, () => q.pop()?.headers[HEADERS.tenant]);
    expect(first.filter((t) => t === 'gold').length).toBe(15);
    const byKind = wfqSlot({ by: 'kind' })(context().ctx);
    for (let i = 0; i < 10; i++) byKind.push(env(`a/${i}`), 0);
    for (let i = 0; i < 10; i++) byKind.push(env(`b/${i}`), 0);
    expect(Array.from({ length: 4 }, () => byKind.pop()?.to.actor.split('/')[0])).toEqual(['a', 'b', 'a', 'b']);
  });

  it('validates options when the slot is made, not when a shard builds it', () => {
    expect(codeOf(() => prioritySlot({ levels: 0 }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => wfqSlot({ weights: { a: -1 } }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => wfqSlot({ by: 'moon' as never }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => mlfqSlot({ quantum: 0 }))).toBe('INVALID_ARGUMENT');
  });
});

import { describe, expect, it } from 'vitest';
import type { Clock } from '@shn/core';
import { OpReplicator } from './op-replicator.js';
import type { DroppedOp } from './op-replicator.js';
import { pnCounter } from '../types/pn-counter.js';
import type { PnCounterState } from '../types/pn-counter.js';
import { orSet } from '../types/or-set.js';

describe('OpReplicator causal buffer', () => {
  it('holds an op until its dependencies arrive, ignores duplicates', () => {
    const a = new OpReplicator(orSet, 'a');
    const b = new OpReplicator(orSet, 'b');
    const add = a.mutate((s, r) => orSet.add(s, r, 'x'));
    b.receive(add);
    const rm = b.mutate((s) => orSet.remove(s, 'x')); // depends on a:1
    const c = new OpReplicator(orSet, 'c');
    expect(c.receive(rm)).toBe('held');
    expect(c.value).toEqual(new Set()); // not applied out of order
    expect(c.receive(rm)).toBe('duplicate');
    expect(c.receive(add)).toBe('applied');
    expect(c.heldCount).toBe(0);
    expect(c.value).toEqual(new Set());
    expect(c.receive(add)).toBe('duplicate');
    expect(c.version).toEqual(new Map([['a', 1], ['b', 1]]));
  });

  it('reports instead of applying when the bound is exceeded or the hold times out', () => {
    let now = 0;
    const clock: Clock = { now: () => now, monotonic: () => now };
    const dropped: DroppedOp<PnCounterState>[] = [];
    const src = new OpReplicator(pnCounter, 'src');
    const ops = [1, 2, 3, 4].map((n) => src.mutate((s, r) => pnCounter.add(s, r, n)));
    const dst = new OpReplicator(pnCounter, 'dst', { maxHeld: 2, holdTimeoutMs: 100, clock, onDropped: (d) => dropped.push(d) });
    expect(dst.receive(ops[1]!)).toBe('held');
    expect(dst.receive(ops[2]!)).toBe('held');
    expect(dst.receive(ops[3]!)).toBe('rejected');
    expect(dropped.map((d) => [d.op.seq, d.error.code])).toEqual([[4, 'MAILBOX_FULL']]);
    expect(dst.value).toBe(0);
    now = 150;
    expect(dst.expire()).toBe(2);
    expect(dropped.map((d) => d.error.code)).toEqual(['MAILBOX_FULL', 'TIMEOUT', 'TIMEOUT']);
    expect(dst.value).toBe(0);
    // a resend (e.g. by anti-entropy from the log) still delivers everything, in order
    for (const op of src.missing(dst.version)) dst.receive(op);
    expect(dst.value).toBe(10);
  });

  it('prunes the log below the stable vector only', () => {
    const a = new OpReplicator(pnCounter, 'a');
    const b = new OpReplicator(pnCounter, 'b');
    for (let i = 0; i < 5; i++) b.receive(a.mutate((s, r) => pnCounter.add(s, r, 1)));
    expect(a.prune(['a', 'b'])).toBe(0); // b has not acknowledged yet
    a.acknowledge('b', new Map([['a', 3]]));
    expect(a.prune(['a', 'b'])).toBe(3);
    expect(a.logSize).toBe(2);
    expect(a.missing(new Map([['a', 3]])).map((o) => o.seq)).toEqual([4, 5]);
  });

  it('validates its options', () => {
    expect(() => new OpReplicator(pnCounter, 'a', { maxHeld: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new OpReplicator(pnCounter, 'a', { holdTimeoutMs: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('refuses a malformed op with INVALID_ARGUMENT before it can take a place in the causal buffer', () => {
    const r = new OpReplicator(pnCounter, 'a');
    const delta = pnCounter.add(pnCounter.bottom(), 'b', 1);
    const bad: unknown[] = [
      null,
      new Uint8Array([9, 9, 9]),
      { origin: '', seq: 1, deps: new Map(), delta },
      { origin: 'b', seq: 0, deps: new Map(), delta },
      { origin: 'b', seq: 1.5, deps: new Map(), delta },
      { origin: 'b', seq: 1, deps: {}, delta },
      { origin: 'b', seq: 1, deps: new Map([['c', -1]]), delta },
      { origin: 'b', seq: 1, deps: new Map() },
    ];
    for (const op of bad) expect(() => r.receive(op as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(r.heldCount).toBe(0);
    expect(r.value).toBe(0);
    // A well-formed op still goes through.
    expect(r.receive({ origin: 'b', seq: 1, deps: new Map(), delta })).toBe('applied');
    expect(r.value).toBe(1);
  });
});

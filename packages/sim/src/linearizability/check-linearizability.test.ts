import { isShnError } from '@shn/core';
import type { Clock } from '@shn/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkEvents, checkOperations } from './check-linearizability.js';
import { kvHistory, registerHistory } from './history-generator.test-helper.js';
import { kvModel } from './kv-model.js';
import { registerModel } from './register-model.js';
import type { RegisterInput } from './register-model.js';
import type { HistoryEvent, Model, Operation } from './types.js';

const timing = fc.record({
  seed: fc.integer(),
  clients: fc.integer({ min: 1, max: 6 }),
  ops: fc.integer({ min: 1, max: 40 }),
  maxGap: fc.integer({ min: 0, max: 5 }),
  maxLatency: fc.integer({ min: 0, max: 8 }),
});

/** A clock that advances `stepMs` on every read: the budget runs out after a bounded number of polls. */
function fakeClock(stepMs: number): Clock & { reads: number } {
  let t = 0;
  const c = {
    reads: 0,
    now: () => t,
    monotonic: () => {
      c.reads++;
      t += stepMs;
      return t;
    },
  };
  return c;
}

function withoutPartition<S, I, O>(m: Model<S, I, O>): Model<S, I, O> {
  const { partition: _p, ...rest } = m;
  return rest;
}

/** Makes read `index` (in call order) return a value no write ever wrote. */
function corruptRead(ops: Operation<RegisterInput, unknown>[], index: number): Operation<RegisterInput, unknown>[] {
  return ops.map((o, i) => (i === index ? { ...o, output: 'never-written' } : o));
}

describe('checkOperations: generated histories', () => {
  it('a history produced by a real atomic register (any overlap) is linearizable', () => {
    fc.assert(
      fc.property(timing, (t) => {
        expect(checkOperations(registerModel, registerHistory(t))).toEqual({ outcome: 'ok' });
      }),
      { numRuns: 150 },
    );
  });

  it('a history produced by a real atomic kv map is linearizable, and partitioned == unpartitioned', () => {
    fc.assert(
      fc.property(timing, fc.integer({ min: 1, max: 4 }), (t, keys) => {
        const ops = kvHistory({ ...t, keys });
        expect(checkOperations(kvModel, ops)).toEqual({ outcome: 'ok' });
        expect(checkOperations(withoutPartition(kvModel), ops)).toEqual({ outcome: 'ok' });
      }),
      { numRuns: 100 },
    );
  });

  it('partitioned and unpartitioned checks agree on corrupted kv histories', () => {
    fc.assert(
      fc.property(timing, fc.integer({ min: 1, max: 3 }), fc.nat(), fc.constantFrom('x', undefined, 'v0'), (t, keys, pick, value) => {
        const ops = kvHistory({ ...t, keys, ops: Math.min(t.ops, 20) });
        const gets = ops.map((o, i) => (o.input.op === 'get' ? i : -1)).filter((i) => i >= 0);
        fc.pre(gets.length > 0);
        const target = gets[pick % gets.length] as number;
        const corrupted = ops.map((o, i) => (i === target ? { ...o, output: value } : o));
        const a = checkOperations(kvModel, corrupted, { minimize: false }).outcome;
        const b = checkOperations(withoutPartition(kvModel), corrupted, { minimize: false }).outcome;
        expect(a).toBe(b);
      }),
      { numRuns: 100 },
    );
  });

  it('making any operations pending (return = Infinity, output unknown) keeps a linearizable history linearizable', () => {
    fc.assert(
      fc.property(timing, fc.array(fc.boolean(), { maxLength: 40 }), (t, pending) => {
        const ops = registerHistory(t).map((o, i) => (pending[i] === true ? { ...o, return: Infinity, output: undefined } : o));
        expect(checkOperations(registerModel, ops).outcome).toBe('ok');
      }),
      { numRuns: 100 },
    );
  });

  it('a read corrupted to an impossible value is illegal; the minimal history is illegal, no larger, and a lone impossible read', () => {
    fc.assert(
      fc.property(timing, fc.nat(), (t, pick) => {
        const ops = registerHistory({ ...t, ops: Math.min(t.ops, 25) });
        const reads = ops.map((o, i) => (o.input.op === 'read' ? i : -1)).filter((i) => i >= 0);
        fc.pre(reads.length > 0);
        const target = reads[pick % reads.length] as number;
        const bad = corruptRead(ops, target);
        const r = checkOperations(registerModel, bad);
        expect(r.outcome).toBe('illegal');
        if (r.outcome !== 'illegal') return;
        expect(r.minimal.length).toBeLessThanOrEqual(bad.length);
        expect(checkOperations(registerModel, r.minimal as Operation<RegisterInput, unknown>[], { minimize: false }).outcome).toBe('illegal');
        // 1-minimal, and the culprit itself: the corrupted read is illegal in every state the
        // history can reach, so it is the witness on its own
        expect(r.minimal).toEqual([bad[target]]);
      }),
      { numRuns: 100 },
    );
  });

  it('a stale read (old value after a newer write completed) yields an order-caused witness that is 1-minimal', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }), (before, after) => {
        const noise: Operation<RegisterInput, unknown>[] = [];
        for (let i = 0; i < before; i++) noise.push({ clientId: 5, input: { op: 'read' }, call: 1 + i * 0.1, output: undefined, return: 1.05 + i * 0.1 });
        const core: Operation<RegisterInput, unknown>[] = [
          { clientId: 0, input: { op: 'write', value: 'a' }, call: 10, output: undefined, return: 11 },
          { clientId: 1, input: { op: 'write', value: 'b' }, call: 12, output: undefined, return: 13 },
          { clientId: 2, input: { op: 'read' }, call: 14, output: 'a', return: 15 },
        ];
        for (let i = 0; i < after; i++) noise.push({ clientId: 6, input: { op: 'read' }, call: 20 + i, output: 'a', return: 20.5 + i });
        const r = checkOperations(registerModel, [...noise, ...core]);
        expect(r.outcome).toBe('illegal');
        if (r.outcome !== 'illegal') return;
        // both writes and one stale read of 'a' that starts after write('b') returned
        expect(r.minimal).toHaveLength(3);
        expect(r.minimal.slice(0, 2)).toEqual(core.slice(0, 2));
        expect(r.minimal[2]).toMatchObject({ input: { op: 'read' }, output: 'a' });
        expect(r.minimal[2]?.call).toBeGreaterThan(13);
        // removing any one op makes it linearizable, or illegal in every order (no longer an order failure)
        for (let i = 0; i < r.minimal.length; i++) {
          const fewer = r.minimal.filter((_, j) => j !== i) as Operation<RegisterInput, unknown>[];
          const concurrent = fewer.map((o) => ({ ...o, call: 0, return: 1 }));
          const stillOrderFailure = checkOperations(registerModel, fewer).outcome === 'illegal' && checkOperations(registerModel, concurrent).outcome === 'ok';
          expect(stillOrderFailure).toBe(false);
        }
        expect(r.explanation).toContain('real-time order');
      }),
      { numRuns: 30 },
    );
  });

  it('checkEvents and checkOperations agree on the same history', () => {
    fc.assert(
      fc.property(timing, fc.boolean(), (t, corrupt) => {
        const ops = registerHistory(t);
        const used = corrupt && ops.some((o) => o.input.op === 'read') ? corruptRead(ops, ops.findIndex((o) => o.input.op === 'read')) : ops;
        const events: HistoryEvent[] = used.flatMap((o, id) => [
          { kind: 'call' as const, clientId: o.clientId, id, input: o.input, time: o.call },
          { kind: 'return' as const, clientId: o.clientId, id, output: o.output, time: o.return },
        ]);
        expect(checkEvents(registerModel, events, { minimize: false }).outcome).toBe(checkOperations(registerModel, used, { minimize: false }).outcome);
      }),
      { numRuns: 80 },
    );
  });
});

describe('pending calls (porcupine convention)', () => {
  it('a call without a return may take effect, or not', () => {
    const events: HistoryEvent[] = [
      { kind: 'call', clientId: 0, id: 1, input: { op: 'write', value: 1 }, time: 0 },
      { kind: 'call', clientId: 1, id: 2, input: { op: 'read' }, time: 1 },
      { kind: 'return', clientId: 1, id: 2, output: 1, time: 2 },
      { kind: 'call', clientId: 2, id: 3, input: { op: 'read' }, time: 3 },
      { kind: 'return', clientId: 2, id: 3, output: 1, time: 4 },
    ];
    expect(checkEvents(registerModel, events).outcome).toBe('ok');
    const notTaken: HistoryEvent[] = [events[0] as HistoryEvent, { kind: 'call', clientId: 1, id: 2, input: { op: 'read' }, time: 1 }, { kind: 'return', clientId: 1, id: 2, output: undefined, time: 2 }];
    expect(checkEvents(registerModel, notTaken).outcome).toBe('ok');
  });
  it('a pending write cannot take effect before its call', () => {
    const events: HistoryEvent[] = [
      { kind: 'call', clientId: 1, id: 2, input: { op: 'read' }, time: 0 },
      { kind: 'return', clientId: 1, id: 2, output: 1, time: 1 },
      { kind: 'call', clientId: 0, id: 1, input: { op: 'write', value: 1 }, time: 2 },
    ];
    expect(checkEvents(registerModel, events).outcome).toBe('illegal');
  });
});

describe('time budget', () => {
  it("returns 'unknown' with the reason when a fake clock runs past the budget", () => {
    // many fully concurrent writes and reads of distinct values: a large search space
    const ops: Operation<RegisterInput, unknown>[] = [];
    for (let i = 0; i < 14; i++) ops.push({ clientId: i, input: { op: 'write', value: i }, call: 0, output: undefined, return: 100 });
    for (let i = 0; i < 14; i++) ops.push({ clientId: 100 + i, input: { op: 'read' }, call: 0, output: 13 - i, return: 100 });
    ops.push({ clientId: 999, input: { op: 'read' }, call: 0, output: 'never', return: 100 });
    const clock = fakeClock(1);
    const r = checkOperations(registerModel, ops, { timeoutMs: 50, clock });
    expect(r.outcome).toBe('unknown');
    if (r.outcome === 'unknown') expect(r.reason).toMatch(/50 ms/);
    expect(clock.reads).toBeGreaterThan(1);
    expect(clock.reads).toBeLessThan(200);
  });
  it('a zero budget gives unknown for a non-empty history and ok for an empty one', () => {
    const ops = registerHistory({ seed: 1, clients: 2, ops: 5, maxGap: 1, maxLatency: 1 });
    expect(checkOperations(registerModel, ops, { timeoutMs: 0, clock: fakeClock(1) }).outcome).toBe('unknown');
    expect(checkOperations(registerModel, [], { timeoutMs: 0, clock: fakeClock(1) }).outcome).toBe('ok');
  });
  it('a budget that is never reached changes nothing', () => {
    const ops = registerHistory({ seed: 7, clients: 3, ops: 30, maxGap: 2, maxLatency: 4 });
    expect(checkOperations(registerModel, ops, { timeoutMs: 1e9, clock: fakeClock(0) })).toEqual({ outcome: 'ok' });
  });
});

describe('bad input', () => {
  const code = (f: () => unknown): string | undefined => {
    try {
      f();
    } catch (e) {
      return isShnError(e) ? `${e.code}: ${e.message}` : `not a ShnError: ${String(e)}`;
    }
    return undefined;
  };
  const call = (id: number, time: number, clientId = 0): HistoryEvent => ({ kind: 'call', clientId, id, input: { op: 'read' }, time });
  const ret = (id: number, time: number, clientId = 0): HistoryEvent => ({ kind: 'return', clientId, id, output: undefined, time });

  it.each([
    ['unmatched return', [ret(1, 0)], /unmatched return for id 1/],
    ['return listed before its call', [ret(1, 0), call(1, 1)], /unmatched return/],
    ['duplicate call id', [call(1, 0), call(1, 1)], /duplicate call for id 1/],
    ['duplicate return', [call(1, 0), ret(1, 1), ret(1, 2)], /duplicate return for id 1/],
    ['return timed before its call', [call(1, 5), ret(1, 4)], /before its call/],
    ['NaN time', [call(1, NaN)], /time NaN/],
    ['infinite time', [call(1, 0), ret(1, Infinity)], /time Infinity/],
    ['clientId mismatch', [call(1, 0, 0), ret(1, 1, 3)], /clientId 3/],
    ['unknown kind', [{ kind: 'invoke', clientId: 0, id: 1, time: 0 } as unknown as HistoryEvent], /kind invoke/],
  ])('checkEvents rejects %s', (_name, events, message) => {
    const got = code(() => checkEvents(registerModel, events));
    expect(got).toMatch(/^INVALID_ARGUMENT: /);
    expect(got).toMatch(message);
  });

  it.each([
    ['call after return', { clientId: 0, input: { op: 'read' }, call: 5, output: undefined, return: 4 }, /returns \(t=4\) before its call/],
    ['non-finite call', { clientId: 0, input: { op: 'read' }, call: Infinity, output: undefined, return: Infinity }, /call time Infinity/],
    ['NaN return', { clientId: 0, input: { op: 'read' }, call: 0, output: undefined, return: NaN }, /return time NaN/],
    ['fractional clientId', { clientId: 0.5, input: { op: 'read' }, call: 0, output: undefined, return: 1 }, /clientId 0.5/],
  ])('checkOperations rejects %s', (_name, op, message) => {
    const got = code(() => checkOperations(registerModel, [op as Operation<RegisterInput, unknown>]));
    expect(got).toMatch(/^INVALID_ARGUMENT: /);
    expect(got).toMatch(message);
  });

  it('rejects malformed models, options and model inputs', () => {
    expect(code(() => checkOperations({} as Model<unknown, unknown, unknown>, []))).toMatch(/^INVALID_ARGUMENT: .*init\(\) and step\(\)/);
    expect(code(() => checkOperations(registerModel, [], { timeoutMs: -1 }))).toMatch(/^INVALID_ARGUMENT: .*timeoutMs/);
    expect(code(() => checkOperations(registerModel, [], { timeoutMs: NaN }))).toMatch(/^INVALID_ARGUMENT: .*timeoutMs/);
    expect(code(() => checkOperations(registerModel, 'nope' as unknown as Operation<RegisterInput, unknown>[]))).toMatch(/^INVALID_ARGUMENT: .*array/);
    const badKv = [{ clientId: 0, input: { op: 'get', key: { no: 1 } }, call: 0, output: undefined, return: 1 }];
    expect(code(() => checkOperations(kvModel, badKv as never))).toMatch(/^INVALID_ARGUMENT: kv model: key/);
    const badReg = [{ clientId: 0, input: { op: 'cas' }, call: 0, output: undefined, return: 1 }];
    expect(code(() => checkOperations(registerModel, badReg as never))).toMatch(/^INVALID_ARGUMENT: register model/);
    const lossy: Model<unknown, unknown, unknown> = { init: () => 0, step: (s) => ({ ok: true, state: s }), partition: () => [] };
    expect(code(() => checkOperations(lossy, [{ clientId: 0, input: 1, call: 0, output: 1, return: 1 }]))).toMatch(/^INVALID_ARGUMENT: .*partition returned 0/);
  });
});

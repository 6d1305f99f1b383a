import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HistoryRecorder } from './history.js';

describe('HistoryRecorder', () => {
  it('records calls and returns on the given clock; unknown operations stay pending', () => {
    let t = 0;
    const h = new HistoryRecorder(() => t);
    const a = h.invoke(0, 'w1');
    t = 5;
    const b = h.invoke(1, 'r');
    t = 7;
    h.ok(a, undefined);
    t = 9;
    h.unknown(b);
    const c = h.invoke(1, 'r2'); // the client may go on after an unknown outcome
    expect(h.size).toBe(3);
    expect(h.operations()).toEqual([
      { clientId: 0, input: 'w1', call: 0, output: undefined, return: 7 },
      { clientId: 1, input: 'r', call: 5, output: undefined, return: Infinity },
      { clientId: 1, input: 'r2', call: 9, output: undefined, return: Infinity },
    ]);
    // keepPending drops pending operations it rejects, never completed ones
    expect(h.operations((i) => i !== 'r').map((o) => o.input)).toEqual(['w1', 'r2']);
    h.ok(c, 1);
    expect(h.operations().at(-1)).toMatchObject({ output: 1, return: 9 });
  });

  it('refuses misuse with INVALID_ARGUMENT: no clock, bad client ids, a busy client, unknown or finished operations', () => {
    expect(() => new HistoryRecorder(undefined as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const h = new HistoryRecorder(() => 0);
    for (const bad of [-1, 1.5, NaN, '0'] as unknown as number[]) {
      expect(() => h.invoke(bad, 'x')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    const id = h.invoke(0, 'x');
    expect(() => h.invoke(0, 'y')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    h.ok(id, 1);
    expect(() => h.ok(id, 2)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => h.unknown(id)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    for (const bad of [99, -1, 0.5, NaN]) {
      expect(() => h.ok(bad, 1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    expect(h.operations()).toEqual([{ clientId: 0, input: 'x', call: 0, output: 1, return: 0 }]);
  });

  it('every operation appears once, in invocation order, with call <= return', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ client: fc.nat(3), dt: fc.nat(5), outcome: fc.constantFrom('ok', 'unknown', 'open') }), { maxLength: 40 }), (steps) => {
        let t = 0;
        const h = new HistoryRecorder(() => t);
        const open = new Map<number, number>();
        let invoked = 0;
        for (const s of steps) {
          t += s.dt;
          const prev = open.get(s.client);
          if (prev !== undefined) {
            if (s.outcome === 'ok') h.ok(prev, t);
            else h.unknown(prev);
            open.delete(s.client);
          } else {
            open.set(s.client, h.invoke(s.client, invoked++));
          }
        }
        const ops = h.operations();
        expect(ops.map((o) => o.input)).toEqual(Array.from({ length: invoked }, (_, i) => i));
        for (const o of ops) expect(o.call).toBeLessThanOrEqual(o.return);
      }),
    );
  });
});

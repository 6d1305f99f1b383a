import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf, virtualClock } from '../virtual-clock.test-helper.js';
import { levelOf } from './priority-level.js';
import { PriorityRunQueue } from './priority-run-queue.js';

type Op = { push: number } | 'pop';
const ops = fc.array(fc.oneof(fc.record({ push: fc.integer({ min: 0, max: 255 }) }), fc.constant('pop' as const)), { maxLength: 300 });

describe('PriorityRunQueue', () => {
  it('without aging pops the highest level first, FIFO within a level', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), ops, (levels, script: Op[]) => {
        const q = new PriorityRunQueue<number>({ levels, agingInterval: Infinity });
        const model: { id: number; level: number }[] = [];
        let id = 0;
        for (const op of script) {
          if (op === 'pop') {
            let best = -1;
            for (let i = 0; i < model.length; i++) if (best < 0 || (model[i] as { level: number }).level > (model[best] as { level: number }).level) best = i;
            const expected = best < 0 ? undefined : model.splice(best, 1)[0]?.id;
            expect(q.pop()).toBe(expected);
          } else {
            q.push(id, op.push);
            model.push({ id: id++, level: levelOf(op.push, levels) });
          }
          expect(q.size).toBe(model.length);
        }
      }),
    );
  });

  it('with aging pops in virtual-deadline order (arrival + (levels-1-level) * interval, ties to the higher level)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 20 }), ops, (levels, aging, script: Op[]) => {
        const q = new PriorityRunQueue<number>({ levels, agingInterval: aging });
        const model: { id: number; level: number; key: number }[] = [];
        let arrivals = 0;
        for (const op of script) {
          if (op === 'pop') {
            let best = -1;
            model.forEach((m, i) => {
              const b = model[best];
              if (b === undefined || m.key < b.key || (m.key === b.key && m.level > b.level)) best = i;
            });
            expect(q.pop()).toBe(best < 0 ? undefined : model.splice(best, 1)[0]?.id);
          } else {
            const level = levelOf(op.push, levels);
            q.push(arrivals, op.push);
            model.push({ id: arrivals, level, key: arrivals + (levels - 1 - level) * aging });
            arrivals++;
          }
        }
      }),
    );
  });

  it('aging bounds the wait of the lowest level: popped within queuedAhead + (levels-1) * interval pops', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.integer({ min: 1, max: 16 }), fc.array(fc.nat(4), { minLength: 1, maxLength: 400 }), (levels, aging, pushesPerPop) => {
        const q = new PriorityRunQueue<{ lowest: boolean; ahead: number; pushedAtPop: number }>({ levels, agingInterval: aging });
        let pops = 0;
        let worst = 0;
        const drain = () => {
          const item = q.pop();
          if (item === undefined) return false;
          if (item.lowest) {
            const waited = pops - item.pushedAtPop;
            expect(waited).toBeLessThanOrEqual(item.ahead + (levels - 1) * aging);
            worst = Math.max(worst, waited - item.ahead);
          }
          pops++;
          return true;
        };
        // A flood of top-priority items with a low one every few arrivals: the low ones must still get out.
        let i = 0;
        for (const k of pushesPerPop) {
          for (let j = 0; j < k; j++, i++) {
            const lowest = i % 5 === 0;
            q.push({ lowest, ahead: q.size, pushedAtPop: pops }, lowest ? 0 : 255);
          }
          drain();
        }
        while (drain());
        expect(worst).toBeLessThanOrEqual((levels - 1) * aging);
      }),
    );
  });

  it('strict priority (no aging) can starve the lowest level, which aging prevents', () => {
    const strict = new PriorityRunQueue<string>({ levels: 2, agingInterval: Infinity });
    const aged = new PriorityRunQueue<string>({ levels: 2, agingInterval: 10 });
    for (const q of [strict, aged]) q.push('low', 0);
    const served = { strict: false, aged: false };
    for (let t = 0; t < 100; t++) {
      strict.push('high', 255);
      aged.push('high', 255);
      if (strict.pop() === 'low') served.strict = true;
      if (aged.pop() === 'low') served.aged = true;
    }
    expect(served).toEqual({ strict: false, aged: true });
  });

  it('ages on the clock with agingUnit ms, and a clock going backwards lets nothing jump the queue', () => {
    const clock = virtualClock(1000);
    const q = new PriorityRunQueue<string>({ levels: 2, agingInterval: 50, agingUnit: 'ms', clock });
    q.push('low', 0); // key 1050
    clock.advance(40);
    q.push('high-early', 255); // key 1040
    clock.advance(20);
    q.push('high-late', 255); // key 1060
    clock.set(0); // backwards: treated as 1060
    q.push('high-after-jump', 255); // key 1060, not 0
    expect([q.pop(), q.pop(), q.pop(), q.pop()]).toEqual(['high-early', 'low', 'high-late', 'high-after-jump']);
  });

  it('rejects bad options and priorities with INVALID_ARGUMENT', () => {
    for (const o of [{ levels: 0 }, { levels: 257 }, { levels: 1.5 }, { agingInterval: 0 }, { agingInterval: -1 }, { agingInterval: NaN }, { agingUnit: 'weeks' as never }]) {
      expect(codeOf(() => new PriorityRunQueue(o))).toBe('INVALID_ARGUMENT');
    }
    const q = new PriorityRunQueue<number>();
    for (const p of [-1, 256, 1.5, NaN]) expect(codeOf(() => q.push(1, p))).toBe('INVALID_ARGUMENT');
    expect(q.size).toBe(0);
  });
});

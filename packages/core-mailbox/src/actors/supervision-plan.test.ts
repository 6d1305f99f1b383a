import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RestartPolicy, SupervisionStrategy } from './actor-kind.js';
import { RestartWindow } from '@shn/core';
import { restartGroup, shouldRestart } from './supervision-plan.js';

const strategies: SupervisionStrategy[] = ['one-for-one', 'one-for-all', 'rest-for-one'];

describe('shouldRestart', () => {
  it('follows the OTP table', () => {
    const table: [RestartPolicy, boolean, boolean][] = [
      ['permanent', true, true],
      ['transient', true, false],
      ['temporary', false, false],
    ];
    for (const [policy, crash, normal] of table) {
      expect(shouldRestart(policy, 'crash')).toBe(crash);
      expect(shouldRestart(policy, 'normal')).toBe(normal);
    }
  });
});

describe('restartGroup', () => {
  const input = fc.integer({ min: 1, max: 20 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 })));

  it('property: always contains the failed child, keeps start order, and is a contiguous-or-full subset', () => {
    fc.assert(
      fc.property(input, fc.constantFrom(...strategies), ([n, failed], strategy) => {
        const children = Array.from({ length: n }, (_, i) => i);
        const group = restartGroup(strategy, children, failed);
        expect(group).toContain(failed);
        expect(group).toEqual([...group].sort((a, b) => a - b));
        if (strategy === 'one-for-one') expect(group).toEqual([failed]);
        if (strategy === 'one-for-all') expect(group).toEqual(children);
        if (strategy === 'rest-for-one') expect(group).toEqual(children.filter((c) => c >= failed));
        expect(children).toEqual(Array.from({ length: n }, (_, i) => i)); // input untouched
      }),
    );
  });

  it('returns [] for an index that is not a child', () => {
    for (const s of strategies) {
      expect(restartGroup(s, [1, 2], -1)).toEqual([]);
      expect(restartGroup(s, [1, 2], 2)).toEqual([]);
      expect(restartGroup(s, [1, 2], 0.5)).toEqual([]);
    }
  });
});

describe('RestartWindow', () => {
  it('property: allows a restart iff at most maxRestarts fall within the trailing period (model check)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 100 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 40 }),
        (maxRestarts, periodMs, gaps) => {
          const window = new RestartWindow({ maxRestarts, periodMs });
          let model: number[] = [];
          let now = 0;
          for (const gap of gaps) {
            now += gap;
            model = model.filter((t) => t > now - periodMs);
            model.push(now);
            const allowed = model.length <= maxRestarts;
            if (!allowed) model = [];
            expect(window.record(now)).toBe(allowed);
            expect(window.count).toBe(model.length);
          }
        },
      ),
    );
  });

  it('escalates on the (maxRestarts+1)-th restart inside one period, then starts afresh', () => {
    const w = new RestartWindow({ maxRestarts: 2, periodMs: 1000 });
    expect([w.record(0), w.record(10), w.record(20)]).toEqual([true, true, false]);
    expect(w.record(30)).toBe(true);
    w.reset();
    expect(w.count).toBe(0);
  });
});

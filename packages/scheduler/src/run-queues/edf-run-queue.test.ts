import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ShnError } from '@shn/core';
import { codeOf, virtualClock } from '../virtual-clock.test-helper.js';
import { EdfRunQueue } from './edf-run-queue.js';

interface Item {
  readonly id: number;
  readonly deadline: number | undefined;
}

describe('EdfRunQueue', () => {
  it('never returns an expired item, accounts for every item exactly once, and pops the earliest live deadline', () => {
    const op = fc.oneof(
      fc.record({ push: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }) }),
      fc.record({ advance: fc.integer({ min: -20, max: 30 }) }),
      fc.constant('pop' as const),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (script) => {
        const clock = virtualClock(0);
        const expired: Item[] = [];
        const q = new EdfRunQueue<Item>({
          clock,
          deadlineOf: (i) => i.deadline,
          onExpired: (i, e: ShnError) => {
            expect(e.code).toBe('DEADLINE_EXCEEDED');
            expect(i.deadline as number).toBeLessThanOrEqual(clock.now());
            expired.push(i);
          },
        });
        const present = new Map<number, Item>();
        const popped: Item[] = [];
        let id = 0;
        const pop = () => {
          const item = q.pop();
          if (item !== undefined) {
            const now = clock.now();
            expect(item.deadline === undefined || item.deadline > now).toBe(true);
            // Earliest deadline among the live items still present.
            for (const other of present.values()) {
              if (other.id === item.id || (other.deadline !== undefined && other.deadline <= now)) continue;
              expect((item.deadline ?? Infinity) <= (other.deadline ?? Infinity)).toBe(true);
            }
            popped.push(item);
          }
          for (const e of expired) present.delete(e.id);
          if (item !== undefined) present.delete(item.id);
          return item;
        };
        for (const o of script) {
          if (o === 'pop') pop();
          else if ('advance' in o) clock.set(Math.max(0, clock.now() + o.advance));
          else {
            const item = { id: id++, deadline: o.push === undefined ? undefined : clock.now() + o.push };
            present.set(item.id, item);
            q.push(item);
          }
        }
        while (pop() !== undefined);
        const seen = [...popped, ...expired].map((i) => i.id).sort((a, b) => a - b);
        expect(seen).toEqual(Array.from({ length: id }, (_, i) => i));
        expect(q.expired).toBe(expired.length);
        expect(q.size).toBe(0);
      }),
    );
  });

  it('breaks equal deadlines by priority, then arrival', () => {
    const q = new EdfRunQueue<string>({ clock: virtualClock(0), deadlineOf: () => 10, onExpired: () => {} });
    q.push('a', 0);
    q.push('b', 9);
    q.push('c', 9);
    expect([q.pop(), q.pop(), q.pop()]).toEqual(['b', 'c', 'a']);
  });

  it('rejects bad options and deadlines with INVALID_ARGUMENT', () => {
    expect(codeOf(() => new EdfRunQueue({ deadlineOf: undefined as never, onExpired: () => {} }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => new EdfRunQueue({ deadlineOf: () => 1, onExpired: 3 as never }))).toBe('INVALID_ARGUMENT');
    const q = new EdfRunQueue<number>({ deadlineOf: (x) => x, onExpired: () => {} });
    expect(codeOf(() => q.push(NaN))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => q.push('x' as never))).toBe('INVALID_ARGUMENT');
  });
});

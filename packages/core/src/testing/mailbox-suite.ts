import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Mailbox, OfferResult } from '../mailbox.js';

/** Options of {@link mailboxSuite}. */
export interface MailboxSuiteOptions<T> {
  /**
   * A new, open, empty mailbox that holds AT LEAST `capacity` items (`capacity >= 1`).
   * Byte rings may hold more; the suite never assumes the exact point where `full` starts,
   * only that it starts somewhere between `capacity` and the mailbox's own `capacity`.
   */
  create(capacity: number): Mailbox<T>;
  /** The i-th test item; distinct `i` must give items that `equals` tells apart. */
  item(i: number): T;
  /** Item equality; defaults to vitest's deep equality (`toEqual`). */
  equals?(a: T, b: T): boolean;
}

const CAPACITIES = [1, 2, 3, 8, 64] as const;

/**
 * The {@link Mailbox} conformance suite. Call it at the top level of a vitest test file;
 * it registers `describe(name)` with one `it` per guarantee:
 * capacity is a positive integer at least the requested one, the requested number of
 * items is always accepted, an unpolled mailbox eventually answers `full` (bounded) and
 * keeps answering it synchronously without losing anything, draining makes room again,
 * FIFO order, `poll()` on empty is `undefined`, `size` tracks, `close()` answers `closed`
 * while queued items stay pollable, and a random offer/poll/close sequence checked against
 * a model queue never loses, duplicates or reorders an item.
 *
 * Needs `vitest` and `fast-check` (optional peer dependencies of `@shn/core`).
 */
export function mailboxSuite<T>(name: string, options: MailboxSuiteOptions<T>): void {
  const same = (actual: T | undefined, expected: T, what: string): void => {
    expect(actual, `${what}: expected an item, got undefined`).not.toBeUndefined();
    if (options.equals !== undefined) expect(options.equals(actual as T, expected), what).toBe(true);
    else expect(actual, what).toEqual(expected);
  };
  const offer = (mb: Mailbox<T>, item: T): OfferResult => {
    const r = mb.offer(item);
    expect(['accepted', 'full', 'closed'], `offer returned ${String(r)}`).toContain(r);
    return r;
  };

  describe(name, () => {
    it('starts open and empty with a positive integer capacity at least the requested one', () => {
      for (const c of CAPACITIES) {
        const mb = options.create(c);
        expect(Number.isInteger(mb.capacity) && mb.capacity > 0, `capacity ${mb.capacity}`).toBe(true);
        expect(mb.capacity).toBeGreaterThanOrEqual(c);
        expect(mb.size).toBe(0);
        expect(mb.closed).toBe(false);
        expect(mb.poll()).toBeUndefined();
        expect(mb.size).toBe(0);
      }
    });

    it('accepts the requested number of items and keeps them in FIFO order', () => {
      let next = 0;
      for (const c of CAPACITIES) {
        const mb = options.create(c);
        const items: T[] = [];
        for (let i = 0; i < c; i++) {
          const item = options.item(next++);
          items.push(item);
          expect(offer(mb, item), `offer ${i + 1} of ${c}`).toBe('accepted');
          expect(mb.size).toBe(i + 1);
        }
        for (let i = 0; i < c; i++) {
          same(mb.poll(), items[i] as T, `poll ${i + 1} of ${c}`);
          expect(mb.size).toBe(c - i - 1);
        }
        expect(mb.poll()).toBeUndefined();
      }
    });

    it('is bounded: unpolled offers turn full, stay full without blocking, and draining makes room again', () => {
      let next = 0;
      for (const c of CAPACITIES) {
        const mb = options.create(c);
        const limit = mb.capacity * 2 + 16;
        const accepted: T[] = [];
        let result: OfferResult = 'accepted';
        while (accepted.length <= limit) {
          const item = options.item(next++);
          result = offer(mb, item);
          if (result !== 'accepted') break;
          accepted.push(item);
        }
        expect(result, `still accepting after ${accepted.length} offers (capacity ${mb.capacity})`).toBe('full');
        expect(accepted.length).toBeGreaterThanOrEqual(c);
        expect(accepted.length).toBeLessThanOrEqual(mb.capacity);
        expect(mb.size).toBe(accepted.length);
        // `full` is an answer, not a wait: repeated offers return at once and change nothing.
        for (let i = 0; i < 3; i++) expect(offer(mb, options.item(next++))).toBe('full');
        expect(mb.size).toBe(accepted.length);
        for (const [i, item] of accepted.entries()) same(mb.poll(), item, `poll ${i} after full`);
        expect(mb.poll()).toBeUndefined();
        for (let i = 0; i < c; i++) expect(offer(mb, options.item(next++)), `offer ${i} after draining`).toBe('accepted');
        expect(mb.size).toBe(c);
      }
    });

    it('close() refuses offers with closed while queued items stay pollable in order', () => {
      let next = 0;
      for (const c of CAPACITIES) {
        const mb = options.create(c);
        const queued: T[] = [];
        for (let i = 0; i < Math.min(c, 3); i++) {
          const item = options.item(next++);
          expect(offer(mb, item)).toBe('accepted');
          queued.push(item);
        }
        mb.close();
        expect(mb.closed).toBe(true);
        expect(offer(mb, options.item(next++))).toBe('closed');
        expect(mb.size).toBe(queued.length);
        mb.close(); // idempotent
        expect(mb.closed).toBe(true);
        for (const [i, item] of queued.entries()) same(mb.poll(), item, `poll ${i} after close`);
        expect(mb.poll()).toBeUndefined();
        expect(mb.size).toBe(0);
        expect(offer(mb, options.item(next++))).toBe('closed');
      }
    });

    it('never loses, duplicates or reorders items under a random offer/poll/close sequence', () => {
      const op = fc.oneof(
        { weight: 6, arbitrary: fc.constant('offer' as const) },
        { weight: 5, arbitrary: fc.constant('poll' as const) },
        { weight: 1, arbitrary: fc.constant('close' as const) },
      );
      fc.assert(
        fc.property(fc.constantFrom(...CAPACITIES), fc.array(op, { maxLength: 300 }), (c, ops) => {
          const mb = options.create(c);
          const model: T[] = [];
          let closed = false;
          let next = 0;
          for (const o of ops) {
            if (o === 'offer') {
              const item = options.item(next++);
              const r = offer(mb, item);
              if (closed) expect(r).toBe('closed');
              else if (r === 'accepted') model.push(item);
              else {
                expect(r, 'an open mailbox answered closed').toBe('full');
                expect(model.length, 'full below the requested capacity').toBeGreaterThanOrEqual(c);
              }
            } else if (o === 'poll') {
              const got = mb.poll();
              const want = model.shift();
              if (want === undefined) expect(got).toBeUndefined();
              else same(got, want, 'poll order');
            } else {
              mb.close();
              closed = true;
            }
            expect(mb.size).toBe(model.length);
            expect(mb.closed).toBe(closed);
          }
          while (model.length > 0) same(mb.poll(), model.shift() as T, 'final drain');
          expect(mb.poll()).toBeUndefined();
        }),
        { numRuns: 100 },
      );
    });
  });
}

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BoundedMailbox } from './bounded-mailbox.js';

describe('BoundedMailbox', () => {
  it('rounds capacity up to a power of two and rejects bad capacities', () => {
    expect(new BoundedMailbox(5).capacity).toBe(8);
    for (const c of [0, -1, 1.5, 2 ** 31]) {
      expect(() => new BoundedMailbox(c)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });

  it('behaves like a bounded FIFO queue for any operation sequence (including while it grows)', () => {
    const op = fc.oneof(fc.constant({ kind: 'poll' as const }), fc.integer().map((v) => ({ kind: 'offer' as const, v })));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.array(op, { maxLength: 400 }), (cap, ops) => {
        const mb = new BoundedMailbox<number>(cap);
        const model: number[] = [];
        for (const o of ops) {
          if (o.kind === 'offer') {
            const r = mb.offer(o.v);
            if (model.length < mb.capacity) {
              expect(r).toBe('accepted');
              model.push(o.v);
            } else expect(r).toBe('full');
          } else {
            expect(mb.poll()).toBe(model.shift());
          }
          expect(mb.size).toBe(model.length);
        }
        expect(mb.drain()).toEqual(model);
      }),
    );
  });

  it('refuses offers after close but keeps queued items', () => {
    const mb = new BoundedMailbox<string>(2);
    mb.offer('a');
    mb.close();
    expect(mb.offer('b')).toBe('closed');
    expect(mb.closed).toBe(true);
    expect(mb.poll()).toBe('a');
    expect(mb.poll()).toBeUndefined();
  });
});

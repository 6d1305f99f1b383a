import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BoundedMailbox } from '@shn/core-mailbox';
import { isShnError } from '@shn/core';
import { codeOf, virtualTime } from '../virtual-clock.test-helper.js';
import { OverflowMailbox } from './overflow-mailbox.js';
import type { OverflowPolicy } from './overflow-mailbox.js';

async function codeOfAsync(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'none';
  } catch (e) {
    return isShnError(e) ? e.code : 'not a ShnError';
  }
}

describe('OverflowMailbox', () => {
  it('accounts for every offered item under each drop/reject policy: queued, dropped (told) or refused, never lost', () => {
    fc.assert(
      fc.property(fc.constantFrom<OverflowPolicy>('reject', 'drop-newest', 'drop-oldest'), fc.integer({ min: 1, max: 8 }), fc.array(fc.boolean(), { maxLength: 200 }), (policy, requested, ops) => {
        const dropped: number[] = [];
        const inner = new BoundedMailbox<number>(requested);
        const capacity = inner.capacity; // rounded up to a power of two
        const box = new OverflowMailbox(inner, { policy, onDrop: (x) => void dropped.push(x) });
        const refused: number[] = [];
        const polled: number[] = [];
        let next = 0;
        for (const offer of ops) {
          if (offer) {
            const item = next++;
            const full = box.size >= capacity;
            const r = box.offer(item);
            if (!full) expect(r).toBe('accepted');
            else expect(r).toBe({ reject: 'rejected', 'drop-newest': 'dropped-newest', 'drop-oldest': 'dropped-oldest' }[policy as 'reject']);
            if (r === 'rejected') refused.push(item);
          } else {
            const x = box.poll();
            if (x !== undefined) polled.push(x);
          }
        }
        for (let x = box.poll(); x !== undefined; x = box.poll()) polled.push(x);
        expect([...polled, ...dropped, ...refused].sort((a, b) => a - b)).toEqual(Array.from({ length: next }, (_, i) => i));
        const c = box.counters;
        expect(c.rejected).toBe(refused.length);
        expect(c.droppedNewest + c.droppedOldest).toBe(dropped.length);
        expect(c.accepted).toBe(policy === 'drop-newest' || policy === 'reject' ? polled.length : polled.length + c.droppedOldest);
        if (policy === 'drop-oldest') expect(polled).toEqual([...polled].sort((a, b) => a - b));
      }),
    );
  });

  it('wait: an offer waits for room (FIFO), enters when a poll frees it, and times out at its deadline', async () => {
    const vt = virtualTime(1000);
    const box = new OverflowMailbox(new BoundedMailbox<string>(1), { policy: 'wait', clock: vt.clock, timer: vt.timer, maxWaiters: 2 });
    expect(await box.offerWait('a')).toBe('accepted');
    const b = box.offerWait('b', { deadline: 1100 });
    const c = box.offerWait('c', { deadline: 1050 });
    expect(await codeOfAsync(box.offerWait('d'))).toBe('MAILBOX_FULL');
    expect(box.offer('e')).toBe('rejected'); // behind the waiters
    expect(box.waiting).toBe(2);
    expect(box.poll()).toBe('a');
    expect(await b).toBe('accepted');
    vt.advance(60);
    expect(await codeOfAsync(c)).toBe('DEADLINE_EXCEEDED');
    expect(box.poll()).toBe('b');
    expect(box.counters).toMatchObject({ accepted: 2, waited: 1, timedOut: 1, rejected: 2 });
    expect(await codeOfAsync(box.offerWait('f', { deadline: 900 }))).toBe('none');
    expect(box.poll()).toBe('f');
  });

  it('wait: a retry timer admits waiters when the consumer is elsewhere; close fails them with MAILBOX_CLOSED', async () => {
    const vt = virtualTime(0);
    const inner = new BoundedMailbox<number>(1);
    const box = new OverflowMailbox(inner, { policy: 'wait', clock: vt.clock, timer: vt.timer, retryMs: 5, maxWaitMs: 1000 });
    box.offer(1);
    const p = box.offerWait(2);
    inner.poll(); // consumed behind the wrapper's back
    vt.advance(5);
    expect(await p).toBe('accepted');
    const q = box.offerWait(3);
    box.close();
    expect(await codeOfAsync(q)).toBe('MAILBOX_CLOSED');
    expect(await codeOfAsync(box.offerWait(4))).toBe('MAILBOX_CLOSED');
  });

  it('rejects bad options with INVALID_ARGUMENT (a drop policy must say where drops go)', () => {
    const m = new BoundedMailbox<number>(2);
    expect(codeOf(() => new OverflowMailbox(m, { policy: 'drop-newest' }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => new OverflowMailbox(m, { policy: 'drop-oldest' }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => new OverflowMailbox(m, { policy: 'block' as never }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => new OverflowMailbox(m, { policy: 'wait', maxWaiters: 0 }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => new OverflowMailbox(m, { policy: 'wait', maxWaitMs: -1 }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => new OverflowMailbox({} as never, { policy: 'reject' }))).toBe('INVALID_ARGUMENT');
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Doorbell } from './doorbell.js';
import { RingMailbox, ringCapacityFor } from './ring-mailbox.js';
import { SpscRing } from './spsc-ring.js';

describe('RingMailbox', () => {
  it('offers and polls copies in FIFO order; size tracks the depth', () => {
    const ring = SpscRing.create(1024);
    const producer = new RingMailbox(ring);
    const consumer = new RingMailbox(SpscRing.attach(ring.buffer));
    const item = Uint8Array.of(1, 2, 3);
    expect(producer.offer(item)).toBe('accepted');
    item[0] = 9; // the mailbox copied it
    expect(producer.offer(Uint8Array.of(4))).toBe('accepted');
    expect(consumer.size).toBe(2);
    expect(producer.size).toBe(2);
    expect(consumer.poll()).toEqual(Uint8Array.of(1, 2, 3));
    expect(consumer.poll()).toEqual(Uint8Array.of(4));
    expect(consumer.poll()).toBeUndefined();
    expect(consumer.size).toBe(0);
  });

  it("capacity is the number of empty frames that fit, and 'full' comes exactly after that", () => {
    const mailbox = new RingMailbox(SpscRing.create(1024));
    expect(mailbox.capacity).toBe(256);
    for (let i = 0; i < 256; i++) expect(mailbox.offer(new Uint8Array(0))).toBe('accepted');
    expect(mailbox.offer(new Uint8Array(0))).toBe('full');
    expect(mailbox.size).toBe(256);
    expect(mailbox.poll()).toEqual(new Uint8Array(0));
    expect(mailbox.offer(new Uint8Array(0))).toBe('accepted');
  });

  it("'full' writes nothing", () => {
    const mailbox = new RingMailbox(SpscRing.create(1024));
    let accepted = 0;
    while (mailbox.offer(Uint8Array.of(accepted & 0xff, 0, 0, 0, 0)) === 'accepted') accepted++;
    expect(mailbox.offer(Uint8Array.of(7))).toBe('full');
    expect(mailbox.size).toBe(accepted);
    for (let i = 0; i < accepted; i++) expect(mailbox.poll()?.[0]).toBe(i & 0xff);
    expect(mailbox.poll()).toBeUndefined();
  });

  it("close is seen by both ends: offers say 'closed', queued items stay pollable", () => {
    const ring = SpscRing.create(1024);
    const producer = new RingMailbox(ring);
    const consumer = new RingMailbox(SpscRing.attach(ring.buffer));
    producer.offer(Uint8Array.of(1));
    consumer.close();
    expect(producer.closed).toBe(true);
    expect(producer.offer(Uint8Array.of(2))).toBe('closed');
    expect(consumer.poll()).toEqual(Uint8Array.of(1));
    expect(consumer.poll()).toBeUndefined();
  });

  it('rejects non-bytes and items that could never fit with INVALID_ARGUMENT', () => {
    const mailbox = new RingMailbox(SpscRing.create(1024));
    expect(() => mailbox.offer('x' as unknown as Uint8Array)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => mailbox.offer(new Uint8Array(509))).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(mailbox.size).toBe(0);
  });

  it('rings the doorbell on accepted offers when one is given', async () => {
    const doorbell = Doorbell.create();
    const ring = SpscRing.create(1024);
    const mailbox = new RingMailbox(ring, { doorbell });
    const parked = doorbell.wait(() => ring.hasData(), { spins: 0, unref: true });
    expect(doorbell.parked).toBe(true);
    mailbox.offer(Uint8Array.of(1));
    await expect(parked).resolves.toBe('rung');
  });

  it('ringCapacityFor(n, b) always holds n items of b bytes, whatever the wrap position', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 0, max: 200 }), fc.nat(400), (n, b, shift) => {
        const ring = SpscRing.create(ringCapacityFor(n, b));
        for (let i = 0; i < shift; i++) {
          ring.tryWrite(new Uint8Array(i % 13));
          ring.tryRead();
        }
        const mailbox = new RingMailbox(ring);
        for (let i = 0; i < n; i++) expect(mailbox.offer(new Uint8Array(b))).toBe('accepted');
      }),
      { numRuns: 100 },
    );
    expect(() => ringCapacityFor(0, 1)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => ringCapacityFor(2 ** 30, 8)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

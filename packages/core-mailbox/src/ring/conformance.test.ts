import { mailboxSuite } from '@shn/core/testing';
import { BoundedMailbox } from '../mailbox/bounded-mailbox.js';
import { RingMailbox, ringCapacityFor } from './ring-mailbox.js';
import { SpscRing } from './spsc-ring.js';

const ITEM_BYTES = 6;

function ringItem(i: number): Uint8Array {
  const out = new Uint8Array(ITEM_BYTES);
  new DataView(out.buffer).setUint32(0, i, true);
  out[4] = i & 0xff;
  out[5] = 0xa5;
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

mailboxSuite<Uint8Array>('RingMailbox (SpscRing sized by ringCapacityFor)', {
  create: (capacity) => new RingMailbox(SpscRing.create(ringCapacityFor(capacity, ITEM_BYTES))),
  item: ringItem,
  equals: sameBytes,
});

mailboxSuite<Uint8Array>('RingMailbox (producer and consumer on separate SpscRing objects)', {
  create: (capacity) => {
    const producer = new RingMailbox(SpscRing.create(ringCapacityFor(capacity, ITEM_BYTES)));
    const consumer = new RingMailbox(SpscRing.attach(producer.ring.buffer));
    // One Mailbox facade: offers go through the producer object, polls through the consumer object.
    return {
      offer: (item: Uint8Array) => producer.offer(item),
      poll: () => consumer.poll(),
      get size() {
        return consumer.size;
      },
      get capacity() {
        return producer.capacity;
      },
      get closed() {
        return consumer.closed;
      },
      close: () => producer.close(),
    };
  },
  item: ringItem,
  equals: sameBytes,
});

mailboxSuite<number>('BoundedMailbox', {
  create: (capacity) => new BoundedMailbox<number>(capacity),
  item: (i) => i,
});

// Runs every conformance suite against the reference implementations in @shn/core.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { jsonCodec, rawCodec } from '../codec.js';
import type { Mailbox, OfferResult } from '../mailbox.js';
import { MemoryStore } from '../store.js';
import { envelopeFrameCodec } from '../wire/envelope-codec.js';
import { codecSuite } from './codec-suite.js';
import { envelopeArbitrary } from './envelope-arbitrary.js';
import { mailboxSuite } from './mailbox-suite.js';
import { memoryTransportPair } from './memory-transport.js';
import { storeSuite } from './store-suite.js';
import { transportSuite } from './transport-suite.js';

/** A minimal ring-buffer mailbox, only here to exercise mailboxSuite itself. */
class ArrayMailbox<T> implements Mailbox<T> {
  readonly #items: T[] = [];
  #closed = false;
  constructor(readonly capacity: number) {}
  get size(): number {
    return this.#items.length;
  }
  get closed(): boolean {
    return this.#closed;
  }
  offer(item: T): OfferResult {
    if (this.#closed) return 'closed';
    if (this.#items.length >= this.capacity) return 'full';
    this.#items.push(item);
    return 'accepted';
  }
  poll(): T | undefined {
    return this.#items.shift();
  }
  close(): void {
    this.#closed = true;
  }
}

/** Holds more than asked (like a byte ring rounding up) to check the suite tolerates it. */
mailboxSuite('mailboxSuite on a mailbox with exact capacity', {
  create: (capacity) => new ArrayMailbox<{ n: number }>(capacity),
  item: (i) => ({ n: i }),
});
mailboxSuite('mailboxSuite on a mailbox that rounds capacity up', {
  create: (capacity) => new ArrayMailbox<number>(2 ** Math.ceil(Math.log2(capacity + 1)) + 3),
  item: (i) => i,
  equals: (a, b) => a === b,
});

storeSuite('MemoryStore', { create: () => new MemoryStore() });

transportSuite('memoryTransportPair', { createPair: () => memoryTransportPair() });

codecSuite('rawCodec', { codec: rawCodec, arbitrary: fc.uint8Array({ maxLength: 256 }) });
codecSuite('jsonCodec', {
  codec: jsonCodec,
  arbitrary: fc.jsonValue(),
  // JSON has no -0: compare through JSON text.
  equals: (a, b) => JSON.stringify(a) === JSON.stringify(b),
});
codecSuite('envelopeFrameCodec', { codec: envelopeFrameCodec, arbitrary: envelopeArbitrary() });

describe('memoryTransportPair', () => {
  it('rejects bad node names and bad frames with typed errors', async () => {
    expect(() => memoryTransportPair({ nodes: ['x', 'x'] })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => memoryTransportPair({ nodes: ['', 'y'] })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const [a, b] = memoryTransportPair({ nodes: ['n1', 'n2'] });
    expect([a.node, b.node]).toEqual(['n1', 'n2']);
    await expect(a.send('n2', 'text' as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(() => a.onFrame(null as never)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('keeps delivering when a handler throws and reports the error', async () => {
    const errors: unknown[] = [];
    const [a, b] = memoryTransportPair({ onHandlerError: (e) => errors.push(e) });
    const got: number[] = [];
    b.onFrame(() => {
      throw new Error('boom');
    });
    const done = new Promise<void>((resolve) =>
      b.onFrame((_from, frame) => {
        got.push(frame[0]!);
        if (got.length === 2) resolve();
      }),
    );
    await a.send('b', new Uint8Array([1]));
    await a.send('b', new Uint8Array([2]));
    await done;
    expect(got).toEqual([1, 2]);
    expect(errors.map((e) => (e as Error).message)).toEqual(['boom', 'boom']);
  });

  it('rejects sends to a closed peer', async () => {
    const [a, b] = memoryTransportPair();
    await b.close();
    await expect(a.send('b', new Uint8Array([1]))).rejects.toMatchObject({ code: 'TRANSPORT_FAILED' });
  });
});

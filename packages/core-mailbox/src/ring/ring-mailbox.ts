import { ShnError } from '@shn/core';
import type { Mailbox, OfferResult } from '@shn/core';
import type { Doorbell } from './doorbell.js';
import { RING_FRAME_HEADER_BYTES } from './spsc-ring.js';
import type { SpscRing } from './spsc-ring.js';

/** Options of {@link RingMailbox}. */
export interface RingMailboxOptions {
  /** If given, {@link RingMailbox.offer} rings it after every accepted item. */
  readonly doorbell?: Doorbell;
}

/**
 * The {@link Mailbox} contract over one {@link SpscRing}: the producer thread uses `offer`, the consumer
 * thread `poll` (each with its own RingMailbox over its own SpscRing object for the same buffer).
 * The closed flag lives in the ring header, so `close()` on either end is seen by both.
 */
export class RingMailbox implements Mailbox<Uint8Array> {
  /** The ring underneath. */
  readonly ring: SpscRing;
  readonly #doorbell: Doorbell | undefined;

  /** @param ring - the ring; @param options - see {@link RingMailboxOptions}. */
  constructor(ring: SpscRing, options: RingMailboxOptions = {}) {
    this.ring = ring;
    this.#doorbell = options.doorbell;
  }

  /**
   * Copies `item` into one frame and publishes it (then rings the doorbell, if any).
   * @returns `'accepted'`, `'full'` when there is no room right now (nothing written), or `'closed'`.
   * @throws ShnError `INVALID_ARGUMENT` if `item` is not a Uint8Array or is longer than `ring.maxFrameSize`
   * (it could never fit, so `'full'` would be a lie).
   */
  offer(item: Uint8Array): OfferResult {
    if (this.ring.closed) return 'closed';
    if (!this.ring.tryWrite(item)) return 'full';
    this.#doorbell?.ring();
    return 'accepted';
  }

  /**
   * The oldest payload as a fresh copy, or `undefined` when empty. Items accepted before close stay pollable.
   * @throws ShnError `DECODE_FAILED` if the ring is corrupt.
   */
  poll(): Uint8Array | undefined {
    return this.ring.tryRead();
  }

  /** Items queued (published and not yet released). */
  get size(): number {
    return this.ring.depth;
  }

  /** The most empty items the ring can hold: `ring.capacity / 4` (each frame needs a 4-byte length). */
  get capacity(): number {
    return this.ring.capacity / RING_FRAME_HEADER_BYTES;
  }

  /** True once `close()` was called on either end. */
  get closed(): boolean {
    return this.ring.closed;
  }

  /** Refuses further offers on both ends; queued items stay pollable. */
  close(): void {
    this.ring.close();
  }
}

/**
 * Ring capacity (bytes, a power of two >= 1024) so that `items` payloads of up to `itemBytes` bytes each
 * are guaranteed to fit at once, whatever the ring's wrap position.
 * @throws ShnError `INVALID_ARGUMENT` unless `items` >= 1 and `itemBytes` >= 0 are integers and the result is <= 2^30.
 */
export function ringCapacityFor(items: number, itemBytes: number): number {
  if (!Number.isInteger(items) || items < 1 || !Number.isInteger(itemBytes) || itemBytes < 0) {
    throw new ShnError('INVALID_ARGUMENT', `ringCapacityFor: bad items ${String(items)} / itemBytes ${String(itemBytes)}`);
  }
  const frame = RING_FRAME_HEADER_BYTES + ((itemBytes + 3) & ~3);
  // One frame's worth of slack covers the bytes skipped by a wrap marker.
  const needed = Math.max((items + 1) * frame, 2 * frame);
  let capacity = 1024;
  while (capacity < needed) capacity *= 2;
  if (capacity > 2 ** 30) {
    throw new ShnError('INVALID_ARGUMENT', `ringCapacityFor: ${items} x ${itemBytes} bytes exceeds 1 GiB`);
  }
  return capacity;
}

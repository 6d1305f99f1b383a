import { ShnError } from '@shn/core';
import type { Mailbox, OfferResult } from '@shn/core';

/**
 * An in-thread bounded FIFO mailbox on a power-of-two ring buffer.
 * `offer` is O(1), never blocks and never allocates; `full` goes back to the caller.
 */
export class BoundedMailbox<T> implements Mailbox<T> {
  readonly capacity: number;
  readonly #slots: (T | undefined)[];
  readonly #mask: number;
  #head = 0; // next slot to read
  #tail = 0; // next slot to write
  #closed = false;

  /**
   * @param capacity - most items held at once; rounded up to a power of two.
   * @throws ShnError `INVALID_ARGUMENT` unless 1 <= capacity <= 2^30.
   */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 2 ** 30) {
      throw new ShnError('INVALID_ARGUMENT', `mailbox capacity must be an integer in [1, 2^30], got ${String(capacity)}`);
    }
    let size = 1;
    while (size < capacity) size *= 2;
    this.capacity = size;
    this.#mask = size - 1;
    this.#slots = new Array<T | undefined>(size).fill(undefined);
  }

  get size(): number {
    return this.#tail - this.#head;
  }

  get closed(): boolean {
    return this.#closed;
  }

  offer(item: T): OfferResult {
    if (this.#closed) return 'closed';
    if (this.#tail - this.#head >= this.capacity) return 'full';
    this.#slots[this.#tail & this.#mask] = item;
    this.#tail++;
    return 'accepted';
  }

  poll(): T | undefined {
    if (this.#head === this.#tail) return undefined;
    const i = this.#head & this.#mask;
    const item = this.#slots[i];
    this.#slots[i] = undefined;
    this.#head++;
    if (this.#head === this.#tail) {
      this.#head = 0;
      this.#tail = 0;
    }
    return item;
  }

  /** The oldest item without removing it. */
  peek(): T | undefined {
    return this.#head === this.#tail ? undefined : this.#slots[this.#head & this.#mask];
  }

  /** Removes and returns every queued item, oldest first. */
  drain(): T[] {
    const out: T[] = [];
    while (this.size > 0) out.push(this.poll() as T);
    return out;
  }

  close(): void {
    this.#closed = true;
  }
}

import { ShnError } from '@shn/core';
import type { Mailbox, OfferResult } from '@shn/core';

/**
 * An in-thread bounded FIFO mailbox on a power-of-two ring buffer.
 * `offer` is amortised O(1) and never blocks; `full` goes back to the caller. The buffer starts
 * small and doubles up to `capacity`, so thousands of idle actors cost little memory.
 */
export class BoundedMailbox<T> implements Mailbox<T> {
  readonly capacity: number;
  #slots: (T | undefined)[];
  #mask: number;
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
    const initial = Math.min(size, 16);
    this.#mask = initial - 1;
    this.#slots = new Array<T | undefined>(initial).fill(undefined);
  }

  get size(): number {
    return this.#tail - this.#head;
  }

  get closed(): boolean {
    return this.#closed;
  }

  offer(item: T): OfferResult {
    if (this.#closed) return 'closed';
    const used = this.#tail - this.#head;
    if (used >= this.capacity) return 'full';
    if (used === this.#slots.length) this.#grow();
    this.#slots[this.#tail & this.#mask] = item;
    this.#tail++;
    return 'accepted';
  }

  #grow(): void {
    const old = this.#slots;
    const n = this.#tail - this.#head;
    const next = new Array<T | undefined>(old.length * 2).fill(undefined);
    for (let i = 0; i < n; i++) next[i] = old[(this.#head + i) & this.#mask];
    this.#slots = next;
    this.#mask = next.length - 1;
    this.#head = 0;
    this.#tail = n;
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

/** What {@link Mailbox.offer} says about an item. */
export type OfferResult = 'accepted' | 'full' | 'closed';

/**
 * A bounded queue of items for one consumer.
 *
 * The overflow policy is not the mailbox's business: `full` goes back to the caller, who
 * decides (drop, retry, shed) — typically through `@shn/backpressure`. A mailbox never
 * blocks and never drops an item it accepted.
 */
export interface Mailbox<T> {
  /** Enqueues `item` if there is room and the mailbox is open. Never blocks. */
  offer(item: T): OfferResult;
  /** Dequeues the oldest item, or `undefined` when empty. Items accepted before `close()` stay pollable. */
  poll(): T | undefined;
  /** Items currently queued. */
  readonly size: number;
  /** The most items (or, for byte rings, frames of minimal size) the mailbox can hold. */
  readonly capacity: number;
  /** True once {@link close} was called. */
  readonly closed: boolean;
  /** Refuses further offers (`closed`); already queued items can still be polled. */
  close(): void;
}

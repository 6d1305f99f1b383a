/** A candidate shard and its current load, as a Router or Balancer sees it. */
export interface ShardLoad {
  readonly shard: number;
  /** Queue depth or any comparable load figure; larger is busier. */
  readonly load: number;
}

/**
 * Maps a key (usually `kind/id`) to a shard. Must be a pure function of `key` and the
 * candidate list so that every thread places the same actor on the same shard.
 */
export interface Router {
  readonly name: string;
  pick(key: string, candidates: readonly ShardLoad[]): number;
}

/**
 * The order in which a shard processes the items it accepted (FIFO by default). The `runQueue`
 * slot of a system definition makes one per shard; `@shn/scheduler` supplies others.
 */
export interface RunQueue<T> {
  /** Adds an item; `priority` is 0 (lowest) to 255. Never blocks and never drops an accepted item silently. */
  push(item: T, priority?: number): void;
  /** The next item to run, or `undefined` when empty. */
  pop(): T | undefined;
  /** Items queued. */
  readonly size: number;
}

/** The default run queue: first in, first out; `priority` is ignored. Amortised O(1) push and pop. */
export class FifoRunQueue<T> implements RunQueue<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  push(item: T): void {
    this.#items.push(item);
  }

  pop(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }
}

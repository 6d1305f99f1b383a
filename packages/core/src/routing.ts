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

/** The order in which a shard processes ready items (FIFO by default). */
export interface RunQueue<T> {
  push(item: T, priority?: number): void;
  pop(): T | undefined;
  readonly size: number;
}

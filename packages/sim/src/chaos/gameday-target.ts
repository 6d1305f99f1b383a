import type { RuntimeEvent } from '@shn/core';

/** The per-shard gauge fields a gameday reads. */
export interface GamedayShardGauge {
  readonly shard: number;
  readonly state: string;
  readonly restarts: number;
}

/**
 * What a gameday drives: structurally the part of a `@shn/core-mailbox` `Runtime` it needs,
 * declared here so `@shn/sim` does not depend on the runtime package.
 */
export interface GamedayTarget {
  /** Number of shards (kills pick from `0 .. shards-1`). */
  readonly shards: number;
  /** Kills shard `shard`'s thread for real; resolves once it has exited (the supervisor restarts it). */
  killShard(shard: number): Promise<void>;
  /** Resolves once every shard is up; rejects if supervision gave up. */
  whenReady(): Promise<void>;
  /** Current per-shard gauges. */
  gauges(): readonly GamedayShardGauge[];
  /** Optional: lifecycle events, collected into the report. Returns the unsubscribe function. */
  on?(listener: (event: RuntimeEvent) => void): () => void;
}

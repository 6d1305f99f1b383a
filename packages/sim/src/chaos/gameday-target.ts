import type { ChaosTarget, RuntimeEvent } from '@shn/core';

/** The per-shard gauge fields a gameday reads. */
export interface GamedayShardGauge {
  readonly shard: number;
  readonly state: string;
  readonly restarts: number;
}

/**
 * The older, structural shape of a gameday target (a slice of the runtime with `on(listener)`).
 * @deprecated Pass a {@link ChaosTarget} from `@shn/core` (a `Runtime` is one); this shape is
 * still accepted so that runtimes without `subscribe` keep working.
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

/** What a gameday drives: core's {@link ChaosTarget} (a read-only runtime view plus `killShard`), or the deprecated shape. */
export type GamedayTargetLike = ChaosTarget | GamedayTarget;

/** Subscribes to the target's events, through `subscribe` (a ChaosTarget) or the deprecated `on`. */
export function subscribeTarget(target: GamedayTargetLike, listener: (event: RuntimeEvent) => void): (() => void) | undefined {
  if ('subscribe' in target && typeof target.subscribe === 'function') return target.subscribe({ onEvent: listener });
  const on = (target as GamedayTarget).on;
  return typeof on === 'function' ? on.call(target, listener) : undefined;
}

import type { ShnError } from './errors.js';
import type { RuntimeObserver, ShardGauges } from './observer.js';

/**
 * A read-only view of a running runtime: what telemetry, health probes, gamedays and dashboards
 * take, so that none of them binds to a runtime implementation. `@shn/core-mailbox`'s `Runtime`
 * implements it.
 */
export interface RuntimeHandle {
  /** Number of shards. */
  readonly shards: number;
  /** This node's name. */
  readonly node: string;
  /** True while every shard is up and accepting work. */
  readonly ready: boolean;
  /** Set once supervision gave up (restart intensity exceeded); the runtime is then unusable. */
  readonly failed: ShnError | undefined;
  /** The state of every shard, by index. */
  shardStates(): readonly ShardGauges['state'][];
  /** Cheap per-shard gauges (reads shared counters; no message crosses a thread). */
  gauges(): ShardGauges[];
  /** Subscribes to lifecycle events; returns the unsubscribe function. The observer must not throw. */
  subscribe(observer: RuntimeObserver): () => void;
  /** Resolves once every shard is up; rejects with `RUNTIME_FAILED` if supervision gave up. */
  whenReady(): Promise<void>;
}

/** A {@link RuntimeHandle} that fault-injection tools (gamedays) may also act on. */
export interface ChaosTarget extends RuntimeHandle {
  /** Terminates shard `shard`'s thread for real (its supervisor restarts it); resolves once it has exited. */
  killShard(shard: number): Promise<void>;
}

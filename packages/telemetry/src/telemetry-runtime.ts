import type { ActorRef, RuntimeHandle } from '@shn/core';

/**
 * What the main-thread admin endpoints need of a runtime: the read-only {@link RuntimeHandle}
 * plus a ref pinned to one shard, to reach that shard's per-shard telemetry kinds.
 * `@shn/core-mailbox`'s `Runtime` has both.
 */
export interface TelemetryRuntime extends RuntimeHandle {
  refOnShard(shard: number, kind: string, id: string): ActorRef;
}

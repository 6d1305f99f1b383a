import type { RuntimeEvent } from '@shn/core';
import type { MeshLayout } from '../mesh/mesh.js';

/** What the main thread hands a shard thread at start (structured-cloned `workerData`). */
export interface ShardWorkerData {
  readonly shard: number;
  readonly shards: number;
  readonly node: string;
  readonly systemUrl: string;
  /** The system module's params (structured-cloned), for a module that default-exports a factory. */
  readonly params: unknown;
  readonly mesh: MeshLayout;
  readonly journal: SharedArrayBuffer;
  readonly stats: SharedArrayBuffer;
  /** Incremented on every restart; seeds the correlation ids so stale replies never match. */
  readonly generation: number;
  readonly defaultAskTimeoutMs: number;
  /** µs a parked shard polls before it sleeps (undefined: the Doorbell's default). */
  readonly spinMicros: number | undefined;
  /** Adapt the polling to what it achieves (default runtime behaviour; off with an explicit spinMicros). */
  readonly adaptiveSpin: boolean;
}

/** Messages a shard thread posts to the main thread. */
export type ShardToMain =
  | { readonly t: 'ready' }
  | { readonly t: 'event'; readonly event: RuntimeEvent }
  | { readonly t: 'escalated'; readonly actor: string; readonly error: string }
  | { readonly t: 'drained' }
  | { readonly t: 'fatal'; readonly error: string };

/** Messages the main thread posts to a shard thread. */
export type MainToShard = { readonly t: 'drain'; readonly timeoutMs: number };

import type { Envelope } from './envelope.js';

/** A lifecycle event a runtime reports. `at` is epoch ms from the runtime's Clock. */
export type RuntimeEvent =
  | { readonly type: 'shard-started'; readonly shard: number; readonly at: number }
  | { readonly type: 'shard-crashed'; readonly shard: number; readonly at: number; readonly error: string }
  | { readonly type: 'shard-restarted'; readonly shard: number; readonly at: number; readonly attempt: number }
  | { readonly type: 'shard-stopped'; readonly shard: number; readonly at: number }
  | { readonly type: 'actor-restarted'; readonly shard: number; readonly at: number; readonly actor: string; readonly error: string }
  | { readonly type: 'actor-stopped'; readonly shard: number; readonly at: number; readonly actor: string }
  | {
      readonly type: 'message-lost';
      readonly shard: number;
      readonly at: number;
      readonly reason: string;
      /** The lost envelope, as far as it could be decoded. */
      readonly envelope?: Pick<Envelope, 'to' | 'type' | 'correlationId'>;
    }
  | { readonly type: 'runtime-failed'; readonly at: number; readonly error: string };

/** Cheap gauges a runtime exposes per shard. */
export interface ShardGauges {
  readonly shard: number;
  /** `up` while the thread runs, `restarting` between a crash and restart, `down` after stop or give-up. */
  readonly state: 'starting' | 'up' | 'restarting' | 'down';
  /** Frames queued towards this shard, summed over its inbound rings. */
  readonly mailboxDepth: number;
  /** Fraction of wall time spent handling messages over the last sample window, 0..1. */
  readonly busyRatio: number;
  /** Messages handled since start. */
  readonly processed: number;
  /** Restarts so far. */
  readonly restarts: number;
}

/** Receives lifecycle events; telemetry and health implement this. Must not throw. */
export interface RuntimeObserver {
  onEvent(event: RuntimeEvent): void;
}

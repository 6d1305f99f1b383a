import { systemClock, type Clock, type ShardGauges } from '@shn/core';
import type { Reply } from '../resp/reply.js';
import { KvStore } from './kv-store.js';
import type { ShardBackend } from './shard-backend.js';
import { applyShardRequest } from './shard-executor.js';
import { keyString, type ShardRequest } from './shard-request.js';

/** Options for {@link LocalBackend}. */
export interface LocalBackendOptions {
  /** Number of in-process shards (default 1). */
  readonly shards?: number;
  /** Time source for TTLs (default systemClock). */
  readonly clock?: Clock;
  /**
   * Optional hook awaited before each request runs, e.g. to inject random latency so that
   * pipelined replies complete out of order in tests.
   */
  readonly beforeRequest?: (shard: number, req: ShardRequest) => Promise<void> | void;
}

/**
 * An in-process {@link ShardBackend}: N {@link KvStore}s in the calling thread, routed by
 * FNV-1a of `kv/<key>`. For unit tests and single-threaded use; no TTL sweeping timer
 * (expiry is lazy).
 */
export class LocalBackend implements ShardBackend {
  readonly shardCount: number;
  readonly stores: KvStore[];
  private readonly clock: Clock;
  private readonly hook: LocalBackendOptions['beforeRequest'];
  private readonly processed: number[];

  constructor(options: LocalBackendOptions = {}) {
    this.shardCount = Math.max(1, Math.floor(options.shards ?? 1));
    this.clock = options.clock ?? systemClock;
    this.hook = options.beforeRequest;
    this.stores = Array.from({ length: this.shardCount }, () => new KvStore(this.clock));
    this.processed = new Array<number>(this.shardCount).fill(0);
  }

  shardOf(key: Buffer): number {
    return fnv1a(`kv/${keyString(key)}`) % this.shardCount;
  }

  forKey(key: Buffer, req: ShardRequest): Promise<Reply> {
    return this.onShard(this.shardOf(key), req);
  }

  async onShard(shard: number, req: ShardRequest): Promise<Reply> {
    if (this.hook) await this.hook(shard, req);
    this.processed[shard] = (this.processed[shard] ?? 0) + 1;
    return applyShardRequest(this.stores[shard]!, req, this.clock.now());
  }

  gauges(): readonly ShardGauges[] {
    return this.stores.map((_, shard) => ({ shard, state: 'up', mailboxDepth: 0, busyRatio: 0, processed: this.processed[shard] ?? 0, restarts: 0 }));
  }
}

/** 32-bit FNV-1a over the string's UTF-16 code units (latin1 keys are one unit per byte). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

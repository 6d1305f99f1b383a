import { isShnError, systemTimer, type ShardGauges, type Timer } from '@shn/core';
import type { Runtime } from '@shn/core-mailbox';
import { errorReply, type Reply } from '../resp/reply.js';
import { KV_ERRORS } from '../kv/kv-errors.js';
import type { ShardBackend } from '../kv/shard-backend.js';
import { keyString, type ShardRequest } from '../kv/shard-request.js';

/** Options for {@link RuntimeBackend}. */
export interface RuntimeBackendOptions {
  /** Timeout of each shard ask, ms (default 5000). */
  readonly askTimeoutMs?: number;
  /** Delays (ms) between retries when a shard mailbox is full; then `ERR server busy` (default 1,2,5,10,20,50). */
  readonly busyRetryDelaysMs?: readonly number[];
  /** Timer for retry delays (default systemTimer). */
  readonly timer?: Timer;
}

/**
 * A {@link ShardBackend} over a `@shn/core-mailbox` runtime whose system module defines the
 * per-shard `kv` kind. Single-key requests go to `kv/<key as latin1>` (routed by the
 * runtime); fan-out requests go to a ref pinned to each shard. All requests come from the
 * main thread, so per-shard FIFO order holds between them.
 *
 * A full mailbox is retried after short delays, then answered with `ERR server busy`;
 * other failures become error replies (this backend never rejects).
 */
export class RuntimeBackend implements ShardBackend {
  readonly shardCount: number;
  private readonly timeoutMs: number;
  private readonly delays: readonly number[];
  private readonly timer: Timer;

  constructor(private readonly rt: Runtime, options: RuntimeBackendOptions = {}) {
    this.shardCount = rt.shards;
    this.timeoutMs = options.askTimeoutMs ?? 5000;
    this.delays = options.busyRetryDelaysMs ?? [1, 2, 5, 10, 20, 50];
    this.timer = options.timer ?? systemTimer;
  }

  shardOf(key: Buffer): number {
    return this.rt.shardOf('kv', keyString(key));
  }

  forKey(key: Buffer, req: ShardRequest): Promise<Reply> {
    const id = keyString(key);
    return this.send(() => this.rt.ask<Reply>('kv', id, req.op, req, { timeoutMs: this.timeoutMs }));
  }

  onShard(shard: number, req: ShardRequest): Promise<Reply> {
    return this.send(() => this.rt.refOnShard(shard, 'kv', 'any').ask<Reply>(req.op, req, { timeoutMs: this.timeoutMs }));
  }

  gauges(): readonly ShardGauges[] {
    return this.rt.gauges();
  }

  private async send(attempt: () => Promise<Reply>): Promise<Reply> {
    for (let i = 0; ; i++) {
      try {
        return await attempt();
      } catch (err) {
        if (isShnError(err) && err.code === 'MAILBOX_FULL' && i < this.delays.length) {
          await new Promise<void>((resolve) => this.timer.setTimeout(resolve, this.delays[i]!));
          continue;
        }
        return backendErrorReply(err);
      }
    }
  }
}

/** Maps a runtime failure to the error reply a client sees. */
export function backendErrorReply(err: unknown): Reply {
  if (!isShnError(err)) return errorReply(`ERR internal error: ${String(err)}`);
  switch (err.code) {
    case 'MAILBOX_FULL':
      return errorReply(KV_ERRORS.serverBusy);
    case 'TIMEOUT':
      return errorReply('ERR timeout waiting for shard; the command may or may not have been applied');
    case 'SHARD_CRASHED':
    case 'MESSAGE_LOST':
      return errorReply('ERR shard crashed; the command may or may not have been applied');
    case 'RUNTIME_CLOSED':
    case 'RUNTIME_FAILED':
      return errorReply('ERR server is shutting down');
    case 'ENCODE_FAILED':
    case 'INVALID_ARGUMENT':
      // Our kinds and message types are fixed, so the runtime refusing a request means it
      // does not fit a ring frame (value larger than about half of ringCapacity).
      return errorReply(`ERR request too large for a shard message: ${err.message.replace(/[\r\n]/g, ' ')}`);
    default:
      return errorReply(`ERR ${err.code}: ${err.message.replace(/[\r\n]/g, ' ')}`);
  }
}

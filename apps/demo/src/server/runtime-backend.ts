import { isShnError, systemTimer, type ShardGauges, type Timer } from '@shn/core';
import { jumpHashRouter } from '@shn/core-mailbox';
import type { Runtime } from '@shn/core-mailbox';
import { errorReply, type Reply } from '../resp/reply.js';
import { KV_ERRORS } from '../kv/kv-errors.js';
import type { ShardBackend } from '../kv/shard-backend.js';
import { keyString, type ShardRequest } from '../kv/shard-request.js';

/** Most requests one batch message carries. */
export const MAX_BATCH = 128;
/** Key and value bytes after which a shard's batch is sent at once (keeps frames far below the ring's limit). */
export const MAX_BATCH_BYTES = 256 * 1024;
/** Request ops that are never batched (the CRDT counter path has its own message types). */
const UNBATCHED: ReadonlySet<string> = new Set(['cincr', 'cget']);

interface Queued {
  readonly req: ShardRequest;
  readonly resolve: (reply: Reply) => void;
}

/** Key and value bytes of a request (an estimate of its frame size). */
function requestBytes(req: ShardRequest): number {
  let n = 16;
  for (const v of Object.values(req)) {
    if (Buffer.isBuffer(v)) n += v.length;
    else if (Array.isArray(v)) for (const b of v as unknown[]) if (Buffer.isBuffer(b)) n += b.length + 4;
  }
  return n;
}

/** Options for {@link RuntimeBackend}. */
export interface RuntimeBackendOptions {
  /** Timeout of each shard ask, ms (default 5000). */
  readonly askTimeoutMs?: number;
  /** Delays (ms) between retries when a shard mailbox is full; then `ERR server busy` (default 1,2,5,10,20,50). */
  readonly busyRetryDelaysMs?: readonly number[];
  /** Timer for retry delays (default systemTimer). */
  readonly timer?: Timer;
}

/** The kv system's router (the default one, as the runtime's `shardOf` uses). */
const KEY_ROUTER = jumpHashRouter();
/** Keys up to this many latin1 units are always valid actor ids (at most 2 UTF-8 bytes each, under the 64 KiB limit). */
const MAX_ID_UNITS = 16_000;

/**
 * A {@link ShardBackend} over a `@shn/core-mailbox` runtime whose system module defines the
 * per-shard `kv` kind. Single-key requests go to the shard that owns `kv/<key as latin1>`;
 * fan-out requests to the shard named. Requests for one shard made in the same microtask
 * checkpoint (one socket read, or reads of many connections) travel as ONE `batch` message,
 * in order, and its reply array is handed back request by request: the per-message cost of a
 * shard hop is paid once per batch. All requests come from the main thread, so per-shard FIFO
 * order holds between them.
 *
 * A full mailbox is retried after short delays, then answered with `ERR server busy`;
 * other failures become error replies (this backend never rejects).
 */
export class RuntimeBackend implements ShardBackend {
  readonly shardCount: number;
  private readonly timeoutMs: number;
  private readonly delays: readonly number[];
  private readonly timer: Timer;

  private readonly queues: Queued[][];
  private readonly queuedBytes: number[];
  private flushScheduled = false;
  private readonly flushAll = (): void => {
    this.flushScheduled = false;
    for (let s = 0; s < this.shardCount; s++) this.flushShard(s);
  };

  private readonly candidates: { shard: number; load: number }[];

  constructor(private readonly rt: Runtime, options: RuntimeBackendOptions = {}) {
    this.shardCount = rt.shards;
    this.candidates = Array.from({ length: rt.shards }, (_, shard) => ({ shard, load: 0 }));
    this.timeoutMs = options.askTimeoutMs ?? 5000;
    this.delays = options.busyRetryDelaysMs ?? [1, 2, 5, 10, 20, 50];
    this.timer = options.timer ?? systemTimer;
    this.queues = Array.from({ length: this.shardCount }, () => []);
    this.queuedBytes = new Array<number>(this.shardCount).fill(0);
  }

  shardOf(key: Buffer): number {
    const id = keyString(key);
    // Redis keys may be empty or longer than an actor id may be (the runtime refuses those ids
    // with INVALID_ARGUMENT); every request goes to the shard's per-shard `kv` actor anyway, so
    // place such keys with the same default router, without making them actor ids.
    if (id.length === 0 || id.length > MAX_ID_UNITS) return KEY_ROUTER.pick(`kv/${id}`, this.candidates);
    return this.rt.shardOf('kv', id);
  }

  forKey(key: Buffer, req: ShardRequest): Promise<Reply> {
    return this.onShard(this.shardOf(key), req);
  }

  onShard(shard: number, req: ShardRequest): Promise<Reply> {
    if (UNBATCHED.has(req.op)) {
      // Keep per-shard order: what is queued for this shard goes first.
      this.flushShard(shard);
      return this.send(() => this.rt.refOnShard(shard, 'kv', 'any').ask<Reply>(req.op, req, { timeoutMs: this.timeoutMs }));
    }
    return new Promise<Reply>((resolve) => {
      const q = this.queues[shard]!;
      q.push({ req, resolve });
      this.queuedBytes[shard]! += requestBytes(req);
      if (q.length >= MAX_BATCH || this.queuedBytes[shard]! >= MAX_BATCH_BYTES) this.flushShard(shard);
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        queueMicrotask(this.flushAll);
      }
    });
  }

  private flushShard(shard: number): void {
    const q = this.queues[shard]!;
    if (q.length === 0) return;
    this.queues[shard] = [];
    this.queuedBytes[shard] = 0;
    const ref = this.rt.refOnShard(shard, 'kv', 'any');
    if (q.length === 1) {
      const { req, resolve } = q[0]!;
      void this.send(() => ref.ask<Reply>(req.op, req, { timeoutMs: this.timeoutMs })).then(resolve);
      return;
    }
    const reqs = q.map((e) => e.req);
    void this.send(() => ref.ask<Reply>('batch', { op: 'batch', reqs }, { timeoutMs: this.timeoutMs })).then((replies) => {
      if (Array.isArray(replies) && replies.length === q.length) q.forEach((e, i) => e.resolve(replies[i] as Reply));
      else q.forEach((e) => e.resolve(Array.isArray(replies) ? errorReply('ERR internal error: batch reply mismatch') : replies));
    });
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
    case 'MESSAGE_TOO_LARGE':
    case 'ENCODE_FAILED':
    case 'INVALID_ARGUMENT':
      // Our kinds and message types are fixed, so the runtime refusing a request means it
      // does not fit a ring frame (value larger than about half of ringCapacity).
      return errorReply(`ERR request too large for a shard message: ${err.message.replace(/[\r\n]/g, ' ')}`);
    default:
      return errorReply(`ERR ${err.code}: ${err.message.replace(/[\r\n]/g, ' ')}`);
  }
}

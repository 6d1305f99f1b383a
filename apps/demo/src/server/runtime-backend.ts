import { isShnError, systemTimer, type ActorRef, type ShardGauges, type Timer } from '@shn/core';
import { jumpHashRouter } from '@shn/core-mailbox';
import type { Runtime } from '@shn/core-mailbox';
import { errorReply, isErrorReply, type Reply } from '../resp/reply.js';
import { ReplyReader } from '../resp/reply-reader.js';
import { DEFAULT_MESSAGE_BUDGET, isHeldReply, type HeldReply } from '../kv/oversize.js';
import type { ShardBackend } from '../kv/shard-backend.js';
import { keyString, type ShardRequest } from '../kv/shard-request.js';

/** Most requests one batch message carries. */
export const MAX_BATCH = 128;
/** Key and value bytes after which a shard's batch is sent at once (keeps frames far below the ring's limit). */
export const MAX_BATCH_BYTES = 256 * 1024;
/** Request ops that are never batched (the CRDT counter path has its own message types). */
const UNBATCHED: ReadonlySet<string> = new Set(['cincr', 'cget']);

const EMPTY = Buffer.alloc(0);

interface Queued {
  readonly req: ShardRequest;
  readonly resolve: (reply: Reply) => void;
  /** Its size as counted in the queue's bytes. */
  readonly bytes: number;
  /** The trace context the request was made in, when it was traced (see {@link TraceScope}). */
  readonly trace?: unknown;
}

/**
 * How batched requests keep their trace: the backend sends a batch from a later turn of the
 * event loop, where the active trace context is whichever request scheduled the flush (or
 * none). With a scope, each request's context is captured when it is queued, a batch never
 * mixes two traced requests' contexts, and each batch is sent inside its own request's
 * context, or outside any trace when it carries no traced request.
 */
export interface TraceScope {
  /** The active context if it belongs to a traced request, else undefined (called once per queued request). */
  capture(): unknown;
  /** Runs `send` inside `trace` (a captured context), or outside any trace when undefined. */
  run<T>(trace: unknown, send: () => T): T;
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

/** Asks outstanding per shard before further batches wait in the gateway's backlog. */
export const MAX_INFLIGHT_ASKS = 256;

/** What the backend needs of a runtime (a `Runtime`, or a shard thread's view of its peers). */
export interface ShardMessenger extends Pick<Runtime, 'shards' | 'shardOf' | 'gauges'> {
  /** A ref to `kind/id` on `shard` (a `Runtime`'s typed `RuntimeRef` is one too). */
  refOnShard(shard: number, kind: string, id: string): ActorRef;
}

/** Options for {@link RuntimeBackend}. */
export interface RuntimeBackendOptions {
  /** Timeout of each shard ask, ms (default 5000). */
  readonly askTimeoutMs?: number;
  /**
   * Request bytes in flight per shard (sent, not yet answered) before further batches wait in
   * order in the backlog. Keep it well below the ring's capacity, so the ring is never full
   * (default 1 MiB; a single larger request is still sent when nothing else is in flight).
   */
  readonly maxInflightBytes?: number;
  /** Delays (ms) between retries if a shard still reports a full mailbox; the last one repeats (default 1,2,5,10,20,50). */
  readonly busyRetryDelaysMs?: readonly number[];
  /** Timer for retry delays (default systemTimer). */
  readonly timer?: Timer;
  /**
   * Largest payload of one message, bytes (default 256 KiB; at most a quarter of the ring's
   * frame limit): larger arguments are staged in pieces, larger replies fetched in pieces.
   * Must match the kv system's `messageBudget` param.
   */
  readonly messageBudget?: number;
  /** Called whenever a shard refuses a batch (full mailbox or ring) and it is queued for a retry. */
  readonly onRefused?: () => void;
  /** Keeps each traced request's trace across the batching (shn-kv's tracing sets it); absent = no per-request work. */
  readonly traceScope?: TraceScope;
}

interface Unit {
  readonly items: Queued[];
  bytes: number;
  attempts: number;
  /** The trace context of the one traced request (or run of requests of one trace) it carries. */
  trace?: unknown;
}

/** The kv system's router (the default one, as the runtime's `shardOf` uses). */
const KEY_ROUTER = jumpHashRouter();
/** Keys up to this many latin1 units are always valid actor ids (at most 2 UTF-8 bytes each, under the 64 KiB limit). */
const MAX_ID_UNITS = 16_000;

/**
 * A {@link ShardBackend} over a `@shn/core-mailbox` runtime whose system module defines the
 * per-shard `kv` kind. Single-key requests go to the shard that owns `kv/<key as latin1>`;
 * fan-out requests to the shard named. Requests for one shard made in the same event-loop
 * turn (the socket reads of every connection in one poll phase) travel as ONE `batch` message,
 * in order, and its reply array is handed back request by request: the per-message cost of a
 * shard hop is paid once per batch. All requests come from the main thread, so per-shard FIFO
 * order holds between them.
 *
 * Backpressure, never an error: at most {@link MAX_INFLIGHT_ASKS} asks and `maxInflightBytes`
 * of requests are in flight per shard, which keeps the ring from ever filling. Batches beyond
 * that wait, in order, in a per-shard backlog (merged into bigger batches as they wait), so
 * their commands stay unanswered and each connection stops reading its socket at its pending
 * bound. Should a shard still report a full mailbox, the batch goes back to the head of the
 * backlog and is retried after a short delay, and no later batch to that shard is sent before
 * it (each send waits one microtask, by which time a refusal has been seen); `ERR server busy`
 * is never answered.
 * Other failures become error replies (this backend never rejects).
 */
export class RuntimeBackend implements ShardBackend {
  readonly shardCount: number;
  private readonly timeoutMs: number;
  private readonly delays: readonly number[];
  private readonly timer: Timer;
  private readonly maxInflightBytes: number;
  private readonly budget: number;
  private readonly batchBytes: number;
  private nextStage = 1;
  private readonly onRefused: () => void;
  private readonly scope: TraceScope | undefined;

  private readonly queues: Queued[][];
  private readonly queuedBytes: number[];
  private readonly backlog: Unit[][];
  private readonly inflight: number[];
  private readonly inflightBytes: number[];
  private readonly blocked: boolean[];
  /** A batch was just sent to this shard and a refusal would not be seen before the next microtask. */
  private readonly checking: boolean[];
  private flushScheduled = false;
  private readonly flushAll = (): void => {
    this.flushScheduled = false;
    for (let s = 0; s < this.shardCount; s++) this.flushShard(s);
  };

  private readonly candidates: { shard: number; load: number }[];

  constructor(private readonly rt: ShardMessenger, options: RuntimeBackendOptions = {}) {
    this.shardCount = rt.shards;
    this.candidates = Array.from({ length: rt.shards }, (_, shard) => ({ shard, load: 0 }));
    this.timeoutMs = options.askTimeoutMs ?? 5000;
    this.delays = options.busyRetryDelaysMs ?? [1, 2, 5, 10, 20, 50];
    this.timer = options.timer ?? systemTimer;
    this.maxInflightBytes = options.maxInflightBytes ?? 1024 * 1024;
    this.onRefused = options.onRefused ?? (() => undefined);
    this.scope = options.traceScope;
    this.budget = Math.max(1024, options.messageBudget ?? DEFAULT_MESSAGE_BUDGET);
    this.batchBytes = Math.min(MAX_BATCH_BYTES, this.budget);
    this.queues = Array.from({ length: this.shardCount }, () => []);
    this.queuedBytes = new Array<number>(this.shardCount).fill(0);
    this.backlog = Array.from({ length: this.shardCount }, () => []);
    this.inflight = new Array<number>(this.shardCount).fill(0);
    this.inflightBytes = new Array<number>(this.shardCount).fill(0);
    this.blocked = new Array<boolean>(this.shardCount).fill(false);
    this.checking = new Array<boolean>(this.shardCount).fill(false);
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
      return this.sendRetrying(() => this.rt.refOnShard(shard, 'kv', 'any').ask<Reply>(req.op, req, { timeoutMs: this.timeoutMs }));
    }
    const bytes = requestBytes(req);
    if (bytes > this.budget && req.op === 'cmd') return this.staged(shard, req);
    return new Promise<Reply>((resolve) => this.enqueue(shard, req, bytes, resolve));
  }

  private enqueue(shard: number, req: ShardRequest, bytes: number, resolve: (r: Reply) => void): void {
    const q = this.queues[shard]!;
    const done = (r: Reply): void => (isHeldReply(r) ? void this.fetchHeld(shard, r).then(resolve) : resolve(r));
    const trace = this.scope?.capture();
    q.push(trace === undefined ? { req, resolve: done, bytes } : { req, resolve: done, bytes, trace });
    this.queuedBytes[shard]! += bytes;
    if (q.length >= MAX_BATCH || this.queuedBytes[shard]! >= this.batchBytes) this.flushShard(shard);
    else if (!this.flushScheduled) {
      // Once per event-loop turn: after the poll phase, so the reads of every connection that
      // turn share one batch per shard.
      this.flushScheduled = true;
      setImmediate(this.flushAll);
    }
  }

  /** A command with arguments over the budget: the big arguments go ahead in pieces, in order. */
  private staged(shard: number, req: Extract<ShardRequest, { op: 'cmd' }>): Promise<Reply> {
    const args = req.args.slice();
    const staged: number[] = [];
    const piece = Math.max(1, this.budget - 64);
    let failed: Reply | undefined;
    const noteFailure = (r: Reply): void => {
      if (isErrorReply(r)) failed ??= r;
    };
    args.forEach((a, i) => {
      if (a.length <= piece / 4) return;
      const id = this.nextStage++;
      for (let off = 0; off < a.length; off += piece) {
        const part = a.subarray(off, Math.min(a.length, off + piece));
        this.enqueue(shard, { op: 'stage', id, part }, part.length + 32, noteFailure);
      }
      staged.push(i, id, a.length);
      args[i] = EMPTY;
    });
    return new Promise<Reply>((resolve) =>
      this.enqueue(shard, { op: 'cmd', args, staged }, requestBytes({ op: 'cmd', args }), (r) => resolve(failed !== undefined && isErrorReply(r) ? failed : r)),
    );
  }

  /** Fetches a reply the shard held back because it was over the budget, piece by piece. */
  private async fetchHeld(shard: number, held: HeldReply): Promise<Reply> {
    const parts: Buffer[] = [];
    for (let offset = 0; offset < held.size; ) {
      const length = Math.min(this.budget, held.size - offset);
      const r = await this.sendRetrying(() =>
        this.rt.refOnShard(shard, 'kv', 'any').ask<Reply>('fetch', { op: 'fetch', id: held.held, offset, length }, { timeoutMs: this.timeoutMs }),
      );
      if (!(r instanceof Uint8Array)) return isErrorReply(r) ? r : errorReply('ERR internal error: held reply lost');
      parts.push(Buffer.from(r.buffer, r.byteOffset, r.length));
      offset += r.length;
      if (r.length === 0) break;
    }
    // Decoded back into a value: a multi-key command gathers it with the other shards' replies.
    const reader = new ReplyReader();
    reader.push(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
    return reader.next()?.reply ?? errorReply('ERR internal error: held reply truncated');
  }

  /** Batches waiting in the backlog of `shard` (for INFO and tests). */
  backlogOf(shard: number): number {
    return this.backlog[shard]?.length ?? 0;
  }

  private flushShard(shard: number): void {
    const q = this.queues[shard]!;
    if (q.length === 0) return;
    const bytes = this.queuedBytes[shard]!;
    this.queues[shard] = [];
    this.queuedBytes[shard] = 0;
    if (this.scope === undefined) {
      this.place(shard, { items: q, bytes, attempts: 0 });
      return;
    }
    // With tracing: one batch per traced command, each starting at its first request (untraced
    // requests ride along), in order; a queue without two traces stays one batch.
    let unit: Unit = { items: [], bytes: 0, attempts: 0 };
    for (const e of q) {
      if (e.trace !== undefined && unit.trace !== undefined && e.trace !== unit.trace) {
        this.place(shard, unit);
        unit = { items: [], bytes: 0, attempts: 0 };
      }
      if (e.trace !== undefined) unit.trace = e.trace;
      unit.items.push(e);
      unit.bytes += e.bytes;
    }
    this.place(shard, unit);
  }

  /** Starts `unit` now if the shard has room and nothing waits before it, else queues it in the backlog (merged into its tail when that fits). */
  private place(shard: number, unit: Unit): void {
    const bl = this.backlog[shard]!;
    if (bl.length === 0 && this.canStart(shard, unit.bytes)) {
      this.start(shard, unit);
      return;
    }
    const tail = bl[bl.length - 1];
    if (
      tail !== undefined &&
      tail.attempts === 0 &&
      tail.items.length + unit.items.length <= MAX_BATCH &&
      tail.bytes + unit.bytes <= this.batchBytes &&
      (tail.trace === undefined || unit.trace === undefined || tail.trace === unit.trace)
    ) {
      tail.items.push(...unit.items);
      tail.bytes += unit.bytes;
      tail.trace ??= unit.trace;
    } else {
      bl.push(unit);
    }
  }

  private canStart(shard: number, bytes: number): boolean {
    if (this.blocked[shard] || this.checking[shard]) return false;
    const n = this.inflight[shard]!;
    return n === 0 || (n < MAX_INFLIGHT_ASKS && this.inflightBytes[shard]! + bytes <= this.maxInflightBytes);
  }

  private drain(shard: number): void {
    const bl = this.backlog[shard]!;
    while (bl.length > 0 && this.canStart(shard, bl[0]!.bytes)) this.start(shard, bl.shift()!);
  }

  private start(shard: number, unit: Unit): void {
    this.inflight[shard]!++;
    this.inflightBytes[shard]! += unit.bytes;
    const ref = this.rt.refOnShard(shard, 'kv', 'any');
    const q = unit.items;
    const send = (): Promise<Reply> =>
      q.length === 1
        ? ref.ask<Reply>(q[0]!.req.op, q[0]!.req, { timeoutMs: this.timeoutMs })
        : ref.ask<Reply>('batch', { op: 'batch', reqs: q.map((e) => e.req) }, { timeoutMs: this.timeoutMs });
    let ask: Promise<Reply>;
    try {
      ask = this.scope === undefined ? send() : this.scope.run(unit.trace, send);
    } catch (err) {
      ask = Promise.reject(err);
    }
    ask.then(
      (replies) => {
        this.finished(shard, unit);
        if (q.length === 1) q[0]!.resolve(replies);
        else if (Array.isArray(replies) && replies.length === q.length) q.forEach((e, i) => e.resolve(replies[i] as Reply));
        else q.forEach((e) => e.resolve(Array.isArray(replies) ? errorReply('ERR internal error: batch reply mismatch') : replies));
        this.drain(shard);
      },
      (err: unknown) => {
        this.finished(shard, unit);
        if (isShnError(err) && err.code === 'MAILBOX_FULL') {
          // Back to the head of the line, and hold the shard's later batches until it is retried.
          this.onRefused();
          this.backlog[shard]!.unshift(unit);
          this.blocked[shard] = true;
          const delay = this.delays[Math.min(unit.attempts++, this.delays.length - 1)] ?? 1;
          this.timer.setTimeout(() => {
            this.blocked[shard] = false;
            this.drain(shard);
          }, delay);
          return;
        }
        const reply = backendErrorReply(err);
        for (const e of q) e.resolve(reply);
        this.drain(shard);
      },
    );
    // A refused ask is rejected synchronously by the runtime, and the system's ask middleware
    // (telemetry, breakers) passes the rejection on within a few microtasks, so its handler above
    // runs within REFUSAL_MICROTASKS of them. Send this shard's next batch only after that: a later
    // batch never overtakes a refused one (staged pieces of a large argument rely on it).
    this.checking[shard] = true;
    afterMicrotasks(REFUSAL_MICROTASKS, () => {
      this.checking[shard] = false;
      this.drain(shard);
    });
  }

  private finished(shard: number, unit: Unit): void {
    this.inflight[shard]!--;
    this.inflightBytes[shard]! -= unit.bytes;
  }

  gauges(): readonly ShardGauges[] {
    return this.rt.gauges();
  }

  /** An unbatched ask, retried while the shard reports a full mailbox (never `ERR server busy`). */
  private async sendRetrying(attempt: () => Promise<Reply>): Promise<Reply> {
    for (let i = 0; ; i++) {
      try {
        return await attempt();
      } catch (err) {
        if (isShnError(err) && err.code === 'MAILBOX_FULL') {
          const delay = this.delays[Math.min(i, this.delays.length - 1)] ?? 1;
          await new Promise<void>((resolve) => this.timer.setTimeout(resolve, delay));
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

/**
 * Microtasks a refused ask's rejection may take to cross the system's ask middleware (each
 * `.then` or `await` layer adds one to three); generous, and cheap (empty hops).
 */
const REFUSAL_MICROTASKS = 32;

/** Runs `fn` after `n` chained microtasks. */
function afterMicrotasks(n: number, fn: () => void): void {
  if (n <= 0) fn();
  else queueMicrotask(() => afterMicrotasks(n - 1, fn));
}

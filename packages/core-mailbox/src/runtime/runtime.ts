import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { LOCAL_NODE, ShnError, systemClock, systemTimer, toShnError } from '@shn/core';
import type {
  AskOptions,
  ChaosTarget,
  Clock,
  Middleware,
  Router,
  RuntimeEvent,
  RuntimeObserver,
  SendOptions,
  ShardGauges,
  Timer,
} from '@shn/core';
import { Doorbell, SpscRing } from '../ring/index.js';
import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { FrameKind, emptyFrame, readFrame, writeFrame } from './frame.js';
import { InflightJournal } from './inflight-journal.js';
import { jumpHashRouter } from './jump-hash-router.js';
import { MeshEndpoint, createMesh } from './mesh.js';
import type { MeshLayout } from './mesh.js';
import { Messenger } from './messenger.js';
import type { RuntimeRef } from './messenger.js';
import { RestartLimiter } from './restart-limiter.js';
import type { ShardRestartOptions } from './restart-limiter.js';
import { STATS_FIELDS, STAT_BUSY_MS, STAT_PROCESSED, STAT_QUEUED, createStats } from './shard-stats.js';
import { assertNotEntryModule, loadSystem, systemModuleUrl } from './system-definition.js';
import type { MainToShard, ShardToMain, ShardWorkerData } from './worker-protocol.js';

/** Options of {@link createRuntime}. */
export interface RuntimeOptions {
  /** The system module (URL or absolute path) whose default export is `defineSystem({...})`. */
  readonly system: URL | string;
  /**
   * Params for a system module that default-exports `defineSystem((params) => ({...}))`: handed
   * (structured-cloned) to the module in every thread. Must be serialisable; a module without a
   * factory refuses them.
   */
  readonly params?: unknown;
  /** Shard threads, 1..256; default `os.availableParallelism()`. */
  readonly shards?: number;
  /** This node's name (default `local`). */
  readonly node?: string;
  /** Data bytes per ring, a power of two (default 1 MiB). The largest message is about half of it. */
  readonly ringCapacity?: number;
  /** Messages a shard may have taken off its rings but not finished (default 4096). */
  readonly maxInflightPerShard?: number;
  /** Restart intensity and backoff for crashed shard threads. */
  readonly restart?: ShardRestartOptions;
  /** Receives every lifecycle event. */
  readonly observer?: RuntimeObserver;
  /** Default ask timeout, ms (default 30 000). */
  readonly askTimeoutMs?: number;
  /** How long to wait for every shard to start, ms (default 30 000). */
  readonly startupTimeoutMs?: number;
  /** `execArgv` for shard threads (default: the process's own, as Node does for workers). */
  readonly execArgv?: readonly string[];
  readonly clock?: Clock;
  readonly timer?: Timer;
}

/**
 * A running set of shards. It implements `@shn/core`'s `RuntimeHandle` and `ChaosTarget`, so
 * telemetry, health probes and gamedays can take it without binding to this package.
 *
 * While open, its shard threads keep the process alive: call {@link close} when done.
 *
 * Every call that names an actor validates it at the call: a bad kind, an empty id or an id whose
 * `kind/id` exceeds the wire limit (64 KiB of UTF-8) throws `INVALID_ARGUMENT` (asks reject), and
 * a kind the system does not define throws `ACTOR_NOT_FOUND`.
 */
export interface Runtime extends ChaosTarget {
  /** Number of shards. */
  readonly shards: number;
  /** This node's name. */
  readonly node: string;
  /** True while every shard is up and accepting work. */
  readonly ready: boolean;
  /** Set once supervision gave up on a shard (restart intensity exceeded). */
  readonly failed: ShnError | undefined;
  /** A ref to `kind/id`, placed by the router. Throws `INVALID_ARGUMENT` / `ACTOR_NOT_FOUND` (see above). */
  ref(kind: string, id: string): RuntimeRef;
  /** A ref to `kind/id` pinned to `shard` (for fan-out to owning shards of per-shard kinds). */
  refOnShard(shard: number, kind: string, id: string): RuntimeRef;
  /**
   * Shorthand for `ref(kind, id).tell(type, body, options)` without allocating a ref: `accepted`,
   * `full` (nothing queued; see {@link send} to wait for room) or `closed`.
   * @throws ShnError `INVALID_ARGUMENT`, `ACTOR_NOT_FOUND`, `ENCODE_FAILED`, `MESSAGE_TOO_LARGE` (with a `message-lost` event).
   */
  tell(kind: string, id: string, type: string, body?: unknown, options?: SendOptions): 'accepted' | 'full' | 'closed';
  /**
   * A tell that waits for room: resolves once the message is accepted, retrying while the target
   * is full until `options.deadline` (epoch ms) or `options.timeoutMs` (default `askTimeoutMs`),
   * then rejects with `MAILBOX_FULL`. Backpressure without a hand-written retry loop.
   */
  send(kind: string, id: string, type: string, body?: unknown, options?: AskOptions): Promise<void>;
  /** Shorthand for `ref(kind, id).ask(type, body, options)`. A reply that cannot cross rejects at once (`MESSAGE_TOO_LARGE`/`ENCODE_FAILED`). */
  ask<R = unknown>(kind: string, id: string, type: string, body?: unknown, options?: AskOptions): Promise<R>;
  /** The shard that owns `kind/id`. */
  shardOf(kind: string, id: string): number;
  /** The state of every shard, by index. */
  shardStates(): readonly ShardGauges['state'][];
  /** Cheap per-shard gauges. */
  gauges(): ShardGauges[];
  /** Subscribes to lifecycle events; returns the unsubscribe function. */
  on(listener: (event: RuntimeEvent) => void): () => void;
  /** `on(e => observer.onEvent(e))`: the `RuntimeHandle` form. */
  subscribe(observer: RuntimeObserver): () => void;
  /** Resolves once every shard is up (rejects with `RUNTIME_FAILED` if supervision gave up). */
  whenReady(): Promise<void>;
  /** Terminates shard `shard`'s thread for real (the supervisor restarts it); resolves once it has exited. */
  killShard(shard: number): Promise<void>;
  /** Graceful shutdown: refuse new sends, drain every shard, stop the threads. Idempotent. */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

interface ShardSlot {
  readonly shard: number;
  worker: Worker | undefined;
  state: ShardGauges['state'];
  generation: number;
  restarts: number;
  readonly limiter: RestartLimiter;
  stopping: boolean;
  lastError: string | undefined;
  exited: Promise<void>;
  onReady: (() => void) | undefined;
  lastBusyMs: number;
  lastSampleAt: number;
  busyRatio: number;
}

/**
 * The shard thread's entry file. Worker threads run plain Node (no TypeScript loader on Node 20),
 * so when this module itself runs from source (under vitest) the built entry in `dist/` is used.
 */
function workerEntry(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../../dist/runtime/shard-worker.js', here) : new URL('./shard-worker.js', here);
}

/**
 * Starts one worker thread per shard, wires the N² rings between all threads (the main
 * thread included), and resolves once every shard is up.
 *
 * @throws ShnError `INVALID_ARGUMENT` for bad options or a bad system module,
 *   `RUNTIME_FAILED` if a shard cannot start within `startupTimeoutMs`.
 */
export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const url = systemModuleUrl(options.system);
  assertNotEntryModule(url);
  try {
    structuredClone(options.params);
  } catch (cause) {
    throw new ShnError('INVALID_ARGUMENT', `params must be structured-cloneable: ${(cause as Error).message}`, { cause });
  }
  const system = await loadSystem(url, options.params);
  const rt = new ShardRuntime(options, url, system.router ?? jumpHashRouter(), system.middleware ?? [], new Set(Object.keys(system.kinds)));
  try {
    await rt.start();
  } catch (e) {
    await rt.close({ timeoutMs: 1000 }).catch(() => undefined);
    throw e;
  }
  return rt;
}

class ShardRuntime implements Runtime {
  readonly shards: number;
  readonly node: string;
  readonly #url: string;
  readonly #options: RuntimeOptions;
  readonly #clock: Clock;
  readonly #timer: Timer;
  readonly #layout: MeshLayout;
  readonly #journals: SharedArrayBuffer[];
  readonly #stats: SharedArrayBuffer;
  readonly #statsView: Float64Array;
  readonly #mesh: MeshEndpoint;
  readonly #messenger: Messenger;
  readonly #slots: ShardSlot[];
  readonly #listeners = new Set<(e: RuntimeEvent) => void>();
  readonly #inboundRings: SpscRing[][];
  readonly #inboundSenders: number[][];
  #closing = false;
  #closed: Promise<void> | undefined;
  #failed: ShnError | undefined;
  #loop: Promise<void> | undefined;
  #readyWaiters: Array<{ resolve: () => void; reject: (e: ShnError) => void }> = [];

  constructor(
    options: RuntimeOptions,
    url: string,
    router: Router,
    middleware: readonly Middleware[],
    kinds: ReadonlySet<string>,
  ) {
    const shards = options.shards ?? availableParallelism();
    if (!Number.isInteger(shards) || shards < 1 || shards > 256) {
      throw new ShnError('INVALID_ARGUMENT', `shards must be an integer in [1, 256], got ${String(shards)}`);
    }
    const ringCapacity = options.ringCapacity ?? 1 << 20;
    const inflight = options.maxInflightPerShard ?? 4096;
    this.shards = shards;
    this.node = options.node ?? LOCAL_NODE;
    this.#url = url;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#timer = options.timer ?? systemTimer;
    this.#layout = createMesh(shards + 1, ringCapacity);
    this.#journals = Array.from({ length: shards }, () => InflightJournal.create(inflight).buffer);
    this.#stats = createStats(shards + 1);
    this.#statsView = new Float64Array(this.#stats);
    this.#mesh = new MeshEndpoint(this.#layout, 0, this.#timer);
    this.#inboundSenders = Array.from({ length: shards }, (_, s) =>
      Array.from({ length: shards + 1 }, (_, from) => from).filter((from) => from !== s + 1),
    );
    this.#inboundRings = this.#inboundSenders.map((senders, s) =>
      senders.map((from) => SpscRing.attach(this.#layout.rings[from * (shards + 1) + s + 1] as SharedArrayBuffer)),
    );
    const limiterOptions = options.restart ?? {};
    this.#slots = Array.from({ length: shards }, (_, shard) => ({
      shard,
      worker: undefined,
      state: 'starting' as const,
      generation: 0,
      restarts: 0,
      limiter: new RestartLimiter(limiterOptions),
      stopping: false,
      lastError: undefined,
      exited: Promise.resolve(),
      onReady: undefined,
      lastBusyMs: 0,
      lastSampleAt: this.#clock.monotonic(),
      busyRatio: 0,
    }));
    this.#messenger = new Messenger({
      mesh: this.#mesh,
      node: this.node,
      shards,
      router,
      middleware,
      clock: this.#clock,
      timer: this.#timer,
      defaultAskTimeoutMs: options.askTimeoutMs ?? 30_000,
      isClosed: () => this.#closing,
      isShardDown: (s) => this.#slots[s]?.state === 'down',
      kinds,
      onEvent: (e) => this.#emit(e),
    });
  }

  get ready(): boolean {
    return !this.#closing && this.#slots.every((s) => s.state === 'up');
  }

  get failed(): ShnError | undefined {
    return this.#failed;
  }

  async start(): Promise<void> {
    this.#loop = this.#mesh.run(
      (from, bytes, offset, length) => {
        try {
          const f = this.#messenger.decode(bytes, offset, length);
          if (f.kind === FrameKind.Reply || f.kind === FrameKind.ReplyError) this.#messenger.settleReply(f);
          else this.#emit({ type: 'message-lost', shard: from - 1, at: this.#clock.now(), reason: `message ${f.type} addressed to the main thread` });
        } catch (e) {
          this.#emit({ type: 'message-lost', shard: from - 1, at: this.#clock.now(), reason: `corrupt frame: ${toShnError(e).message}` });
        }
        return true;
      },
      { unref: true },
    );
    const started = Promise.all(this.#slots.map((slot) => this.#spawn(slot)));
    const timeoutMs = this.#options.startupTimeoutMs ?? 30_000;
    let handle: ReturnType<Timer['setTimeout']> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      handle = this.#timer.setTimeout(() => {
        const slow = this.#slots.filter((s) => s.state !== 'up').map((s) => `${s.shard}${s.lastError ? ` (${s.lastError})` : ''}`);
        reject(new ShnError('RUNTIME_FAILED', `shards did not start within ${timeoutMs} ms: ${slow.join(', ')}`));
      }, timeoutMs);
    });
    try {
      await Promise.race([started, timeout, this.whenReady()]);
      await this.whenReady();
    } finally {
      if (handle !== undefined) this.#timer.clearTimeout(handle);
    }
  }

  #spawn(slot: ShardSlot): Promise<void> {
    const data: ShardWorkerData = {
      shard: slot.shard,
      shards: this.shards,
      node: this.node,
      systemUrl: this.#url,
      params: this.#options.params,
      mesh: this.#layout,
      journal: this.#journals[slot.shard] as SharedArrayBuffer,
      stats: this.#stats,
      generation: slot.generation,
      defaultAskTimeoutMs: this.#options.askTimeoutMs ?? 30_000,
    };
    const worker = new Worker(workerEntry(), {
      workerData: data,
      // Undefined inherits the process's own execArgv (Node's default), e.g. --cpu-prof or --enable-source-maps.
      execArgv: this.#options.execArgv === undefined ? undefined : [...this.#options.execArgv],
      name: `shn-shard-${slot.shard}`,
    });
    slot.worker = worker;
    slot.stopping = false;
    const ready = new Promise<void>((resolve) => {
      slot.onReady = resolve;
    });
    slot.exited = new Promise<void>((resolve) => {
      worker.once('exit', (code) => {
        resolve();
        this.#onExit(slot, worker, code);
      });
    });
    worker.on('error', (err) => {
      slot.lastError = err instanceof Error ? err.message : String(err);
    });
    worker.on('message', (msg: ShardToMain) => this.#onMessage(slot, msg));
    return ready;
  }

  #onMessage(slot: ShardSlot, msg: ShardToMain): void {
    switch (msg.t) {
      case 'ready': {
        const restarted = slot.generation > 0;
        slot.state = 'up';
        slot.onReady?.();
        slot.onReady = undefined;
        const at = this.#clock.now();
        this.#emit(
          restarted
            ? { type: 'shard-restarted', shard: slot.shard, at, attempt: slot.restarts }
            : { type: 'shard-started', shard: slot.shard, at },
        );
        this.#checkReady();
        return;
      }
      case 'event':
        this.#emit(msg.event);
        return;
      case 'escalated':
        slot.lastError = `actor ${msg.actor} escalated: ${msg.error}`;
        return;
      case 'fatal':
        slot.lastError = msg.error;
        return;
      case 'drained':
        slot.stopping = true;
        return;
    }
  }

  #onExit(slot: ShardSlot, worker: Worker, code: number): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    if (slot.stopping || this.#closing) {
      slot.state = 'down';
      this.#emit({ type: 'shard-stopped', shard: slot.shard, at: this.#clock.now() });
      return;
    }
    const error = slot.lastError ?? `thread exited with code ${code}`;
    slot.lastError = undefined;
    slot.state = 'restarting';
    this.#emit({ type: 'shard-crashed', shard: slot.shard, at: this.#clock.now(), error });
    this.#recover(slot);
    const delay = slot.limiter.next(this.#clock.monotonic());
    if (delay < 0) {
      slot.state = 'down';
      const failure = new ShnError(
        'RUNTIME_FAILED',
        `shard ${slot.shard} crashed more than ${slot.limiter.recent} times within the restart period; giving up (last: ${error})`,
      );
      this.#failed = failure;
      this.#emit({ type: 'runtime-failed', at: this.#clock.now(), error: failure.message });
      this.#messenger.rejectAll(failure, slot.shard);
      for (const w of this.#readyWaiters.splice(0)) w.reject(failure);
      return;
    }
    this.#timer.setTimeout(() => {
      if (this.#closing) {
        slot.state = 'down';
        return;
      }
      slot.generation++;
      slot.restarts++;
      void this.#spawn(slot);
    }, delay);
  }

  /** After a shard thread died: keep queued frames, drop what it had processed, report what it lost. */
  #recover(slot: ShardSlot): void {
    const at = this.#clock.now();
    const entries = InflightJournal.drainLost(this.#journals[slot.shard] as SharedArrayBuffer);
    const lost = (sender: number, kind: number, correlation: number, type: string, actor: string): void => {
      const error = new ShnError('SHARD_CRASHED', `shard ${slot.shard} crashed while handling ${type || 'a message'}`);
      this.#emit({
        type: 'message-lost',
        shard: slot.shard,
        at,
        reason: 'the shard crashed while the message was in flight',
        envelope: {
          to: { node: this.node, shard: slot.shard, actor },
          type,
          ...(kind === FrameKind.Ask ? { correlationId: String(correlation) } : {}),
        },
      });
      if (kind !== FrameKind.Ask) return;
      if (sender === 0) this.#messenger.rejectAsk(correlation, error);
      else this.#orphanReply(slot.shard, sender, correlation, error);
    };
    const rings = this.#inboundRings[slot.shard] as SpscRing[];
    const senders = this.#inboundSenders[slot.shard] as number[];
    rings.forEach((ring, i) => {
      const sender = senders[i] as number;
      const { lost: bytes } = ring.recoverConsumer();
      if (bytes === undefined) return;
      const reader = new ByteReader(bytes);
      let f;
      try {
        f = readFrame(reader, emptyFrame());
      } catch {
        this.#emit({ type: 'message-lost', shard: slot.shard, at, reason: 'an undecodable frame was in flight when the shard crashed' });
        return;
      }
      // The journal holds the same message: report it once.
      const j = entries.findIndex((e) => e.sender === sender && e.kind === f.kind && e.correlation === f.correlation);
      if (j >= 0) entries.splice(j, 1);
      lost(sender, f.kind, f.correlation, f.type, f.actor);
    });
    for (const e of entries) lost(e.sender, e.kind, e.correlation, e.type, e.actor);
  }

  /** Writes an error reply on behalf of a dead shard (its outbound ring has no live producer now). */
  #orphanReply(shard: number, to: number, correlation: number, error: ShnError): void {
    const threads = this.shards + 1;
    const buffer = this.#layout.rings[(shard + 1) * threads + to];
    if (!buffer) return;
    const ring = SpscRing.attach(buffer);
    const f = emptyFrame();
    f.kind = FrameKind.ReplyError;
    f.correlation = correlation;
    f.sender = shard + 1;
    f.body = error;
    const w = new ByteWriter(256);
    writeFrame(w, f);
    if (ring.tryWrite(w.view8())) Doorbell.attach(this.#layout.doorbells[to] as SharedArrayBuffer).ring();
  }

  #emit(event: RuntimeEvent): void {
    try {
      this.#options.observer?.onEvent(event);
    } catch {
      // Observers must not throw; a faulty one must not break supervision.
    }
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch {
        // Same for listeners.
      }
    }
  }

  #checkReady(): void {
    if (!this.ready) return;
    for (const w of this.#readyWaiters.splice(0)) w.resolve();
  }

  whenReady(): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#closing) return Promise.reject(new ShnError('RUNTIME_CLOSED', 'runtime is closed'));
    if (this.ready) return Promise.resolve();
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  ref(kind: string, id: string): RuntimeRef {
    return this.#messenger.ref(kind, id);
  }

  refOnShard(shard: number, kind: string, id: string): RuntimeRef {
    return this.#messenger.ref(kind, id, shard);
  }

  tell(kind: string, id: string, type: string, body?: unknown, options?: SendOptions): 'accepted' | 'full' | 'closed' {
    const actor = this.#messenger.actorOf(kind, id);
    return this.#messenger.tell({ node: this.node, shard: this.#messenger.shardOf(actor), actor }, type, body, options);
  }

  send(kind: string, id: string, type: string, body?: unknown, options?: AskOptions): Promise<void> {
    let actor: string;
    let shard: number;
    try {
      actor = this.#messenger.actorOf(kind, id);
      shard = this.#messenger.shardOf(actor);
    } catch (e) {
      return Promise.reject(toShnError(e));
    }
    return this.#messenger.send({ node: this.node, shard, actor }, type, body, options);
  }

  ask<R = unknown>(kind: string, id: string, type: string, body?: unknown, options?: AskOptions): Promise<R> {
    let shard: number;
    let actor: string;
    try {
      actor = this.#messenger.actorOf(kind, id);
      shard = this.#messenger.shardOf(actor);
    } catch (e) {
      return Promise.reject(toShnError(e));
    }
    return this.#messenger.ask({ node: this.node, shard, actor }, type, body, options) as Promise<R>;
  }

  shardOf(kind: string, id: string): number {
    return this.#messenger.shardOf(this.#messenger.actorOf(kind, id));
  }

  shardStates(): readonly ShardGauges['state'][] {
    return this.#slots.map((s) => s.state);
  }

  subscribe(observer: RuntimeObserver): () => void {
    if (typeof observer?.onEvent !== 'function') throw new ShnError('INVALID_ARGUMENT', 'subscribe needs an observer with onEvent(event)');
    return this.on((e) => observer.onEvent(e));
  }

  gauges(): ShardGauges[] {
    const now = this.#clock.monotonic();
    return this.#slots.map((slot) => {
      const base = (slot.shard + 1) * STATS_FIELDS;
      const busy = this.#statsView[base + STAT_BUSY_MS] as number;
      const elapsed = now - slot.lastSampleAt;
      if (elapsed >= 100) {
        slot.busyRatio = Math.min(1, Math.max(0, (busy - slot.lastBusyMs) / elapsed));
        slot.lastBusyMs = busy;
        slot.lastSampleAt = now;
      }
      let depth = this.#statsView[base + STAT_QUEUED] as number;
      for (const r of this.#inboundRings[slot.shard] as SpscRing[]) depth += r.depth;
      return {
        shard: slot.shard,
        state: slot.state,
        mailboxDepth: depth,
        busyRatio: slot.busyRatio,
        processed: this.#statsView[base + STAT_PROCESSED] as number,
        restarts: slot.restarts,
      };
    });
  }

  on(listener: (event: RuntimeEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async killShard(shard: number): Promise<void> {
    const slot = this.#slots[shard];
    if (slot === undefined) throw new ShnError('INVALID_ARGUMENT', `no shard ${String(shard)}`);
    const worker = slot.worker;
    if (worker === undefined) return;
    slot.lastError = 'killed';
    const exited = slot.exited;
    await worker.terminate();
    await exited;
  }

  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#closed ??= this.#doClose(options.timeoutMs ?? 10_000);
    return this.#closed;
  }

  async #doClose(timeoutMs: number): Promise<void> {
    this.#closing = true;
    for (const w of this.#readyWaiters.splice(0)) w.reject(new ShnError('RUNTIME_CLOSED', 'runtime closed before it was ready'));
    const exits: Promise<void>[] = [];
    for (const slot of this.#slots) {
      const worker = slot.worker;
      if (worker === undefined) continue;
      worker.postMessage({ t: 'drain', timeoutMs } satisfies MainToShard);
      exits.push(slot.exited);
    }
    let handle: ReturnType<Timer['setTimeout']> | undefined;
    const overdue = new Promise<void>((resolve) => {
      handle = this.#timer.setTimeout(resolve, timeoutMs + 2_000);
    });
    await Promise.race([Promise.all(exits), overdue]);
    if (handle !== undefined) this.#timer.clearTimeout(handle);
    await Promise.all(this.#slots.map(async (slot) => {
      if (slot.worker !== undefined) {
        await slot.worker.terminate();
        await slot.exited;
      }
      slot.state = 'down';
    }));
    this.#messenger.rejectAll(new ShnError('RUNTIME_CLOSED', 'runtime closed before the reply arrived'));
    this.#mesh.stop();
    await this.#loop;
  }
}

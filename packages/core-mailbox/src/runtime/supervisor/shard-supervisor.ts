import { Worker } from 'node:worker_threads';
import { ShnError, builtModuleUrl } from '@shn/core';
import type { Clock, RuntimeEvent, ShardGauges, Timer } from '@shn/core';
import { Doorbell, SpscRing } from '../../ring/index.js';
import { FrameReader } from '../frame/frame-reader.js';
import { FrameWriter } from '../frame/frame-writer.js';
import { FrameKind, emptyFrame, readFrame, writeFrame } from '../frame/frame.js';
import type { MeshLayout } from '../mesh/mesh.js';
import { InflightJournal } from './inflight-journal.js';
import { RestartLimiter } from './restart-limiter.js';
import type { ShardRestartOptions } from './restart-limiter.js';
import { STATS_FIELDS, STAT_BUSY_MS, STAT_PROCESSED, STAT_QUEUED } from './shard-stats.js';
import type { MainToShard, ShardToMain, ShardWorkerData } from './worker-protocol.js';

/** What the {@link ShardSupervisor} needs from the runtime that owns it. */
export interface ShardSupervisorOptions {
  readonly shards: number;
  readonly node: string;
  readonly systemUrl: string;
  readonly params: unknown;
  readonly layout: MeshLayout;
  readonly journals: readonly SharedArrayBuffer[];
  readonly stats: SharedArrayBuffer;
  readonly defaultAskTimeoutMs: number;
  /** µs a parked shard polls before it sleeps (undefined: the Doorbell's default). */
  readonly spinMicros: number | undefined;
  /** Let shards adapt their polling (see MeshEndpoint.run). */
  readonly adaptiveSpin: boolean;
  readonly restart?: ShardRestartOptions;
  readonly execArgv?: readonly string[];
  readonly clock: Clock;
  readonly timer: Timer;
  /** True once the runtime is closing (exits are then stops, not crashes). */
  isClosing(): boolean;
  /** Every lifecycle event. */
  emit(event: RuntimeEvent): void;
  /** A shard came up (started or restarted). */
  onUp(): void;
  /** Supervision gave up on a shard: the runtime is failed. */
  onGiveUp(shard: number, failure: ShnError): void;
  /** An ask from the main thread was lost with a crashed shard. */
  rejectAsk(correlation: number, error: ShnError): void;
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

/** The shard thread's entry file, as built (worker threads run plain Node). */
const WORKER_ENTRY = builtModuleUrl(import.meta.url, '../shard-worker.js');

/**
 * The supervisor of a runtime's shard threads: starts one worker thread per shard, restarts a
 * crashed one on the same rings after a backoff (within the restart intensity, on core's
 * `RestartWindow`), reports what the dead thread lost, answers asks it can no longer answer,
 * and reads the per-shard gauges from shared memory.
 */
export class ShardSupervisor {
  readonly #o: ShardSupervisorOptions;
  readonly #slots: ShardSlot[];
  readonly #statsView: Float64Array;
  readonly #inboundRings: SpscRing[][];
  readonly #inboundSenders: number[][];

  /** @throws ShnError `INVALID_ARGUMENT` for bad restart options. */
  constructor(o: ShardSupervisorOptions) {
    this.#o = o;
    const { shards } = o;
    this.#statsView = new Float64Array(o.stats);
    this.#inboundSenders = Array.from({ length: shards }, (_, s) =>
      Array.from({ length: shards + 1 }, (_, from) => from).filter((from) => from !== s + 1),
    );
    this.#inboundRings = this.#inboundSenders.map((senders, s) =>
      senders.map((from) => SpscRing.attach(o.layout.rings[from * (shards + 1) + s + 1] as SharedArrayBuffer)),
    );
    const restart = o.restart ?? {};
    this.#slots = Array.from({ length: shards }, (_, shard) => ({
      shard,
      worker: undefined,
      state: 'starting' as const,
      generation: 0,
      restarts: 0,
      limiter: new RestartLimiter(restart),
      stopping: false,
      lastError: undefined,
      exited: Promise.resolve(),
      onReady: undefined,
      lastBusyMs: 0,
      lastSampleAt: o.clock.monotonic(),
      busyRatio: 0,
    }));
  }

  /** True when every shard is up. */
  get allUp(): boolean {
    return this.#slots.every((s) => s.state === 'up');
  }

  /** The state of every shard, by index. */
  states(): ShardGauges['state'][] {
    return this.#slots.map((s) => s.state);
  }

  /** True once supervision gave up on `shard` (or after close). */
  isDown(shard: number): boolean {
    return this.#slots[shard]?.state === 'down';
  }

  /** Shards that are not up, with their last error, for a startup-timeout message. */
  describeSlow(): string {
    return this.#slots
      .filter((s) => s.state !== 'up')
      .map((s) => `${s.shard}${s.lastError ? ` (${s.lastError})` : ''}`)
      .join(', ');
  }

  /** Starts every shard thread; resolves when all of them reported ready once. */
  startAll(): Promise<void> {
    return Promise.all(this.#slots.map((slot) => this.#spawn(slot))).then(() => undefined);
  }

  #spawn(slot: ShardSlot): Promise<void> {
    const o = this.#o;
    const data: ShardWorkerData = {
      shard: slot.shard,
      shards: o.shards,
      node: o.node,
      systemUrl: o.systemUrl,
      params: o.params,
      mesh: o.layout,
      journal: o.journals[slot.shard] as SharedArrayBuffer,
      stats: o.stats,
      generation: slot.generation,
      defaultAskTimeoutMs: o.defaultAskTimeoutMs,
      spinMicros: o.spinMicros,
      adaptiveSpin: o.adaptiveSpin,
    };
    const worker = new Worker(WORKER_ENTRY, {
      workerData: data,
      // Undefined inherits the process's own execArgv (Node's default), e.g. --cpu-prof or --enable-source-maps.
      execArgv: o.execArgv === undefined ? undefined : [...o.execArgv],
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
        const at = this.#o.clock.now();
        this.#o.emit(
          restarted
            ? { type: 'shard-restarted', shard: slot.shard, at, attempt: slot.restarts }
            : { type: 'shard-started', shard: slot.shard, at },
        );
        this.#o.onUp();
        return;
      }
      case 'event':
        this.#o.emit(msg.event);
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
    const o = this.#o;
    slot.worker = undefined;
    if (slot.stopping || o.isClosing()) {
      slot.state = 'down';
      o.emit({ type: 'shard-stopped', shard: slot.shard, at: o.clock.now() });
      return;
    }
    const error = slot.lastError ?? `thread exited with code ${code}`;
    slot.lastError = undefined;
    slot.state = 'restarting';
    o.emit({ type: 'shard-crashed', shard: slot.shard, at: o.clock.now(), error });
    this.#recover(slot);
    const delay = slot.limiter.next(o.clock.monotonic());
    if (delay < 0) {
      slot.state = 'down';
      const failure = new ShnError(
        'RUNTIME_FAILED',
        `shard ${slot.shard} crashed more than ${slot.limiter.maxRestarts} times within the restart period; giving up (last: ${error})`,
      );
      o.emit({ type: 'runtime-failed', at: o.clock.now(), error: failure.message });
      o.onGiveUp(slot.shard, failure);
      return;
    }
    o.timer.setTimeout(() => {
      if (o.isClosing()) {
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
    const o = this.#o;
    const at = o.clock.now();
    const entries = InflightJournal.drainLost(o.journals[slot.shard] as SharedArrayBuffer);
    const lost = (sender: number, kind: number, correlation: number, type: string, actor: string): void => {
      const error = new ShnError('SHARD_CRASHED', `shard ${slot.shard} crashed while handling ${type || 'a message'}`);
      o.emit({
        type: 'message-lost',
        shard: slot.shard,
        at,
        reason: 'the shard crashed while the message was in flight',
        envelope: {
          to: { node: o.node, shard: slot.shard, actor },
          type,
          ...(kind === FrameKind.Ask ? { correlationId: String(correlation) } : {}),
        },
      });
      if (kind !== FrameKind.Ask) return;
      if (sender === 0) o.rejectAsk(correlation, error);
      else this.#orphanReply(slot.shard, sender, correlation, error);
    };
    const rings = this.#inboundRings[slot.shard] as SpscRing[];
    const senders = this.#inboundSenders[slot.shard] as number[];
    rings.forEach((ring, i) => {
      const sender = senders[i] as number;
      const { lost: bytes } = ring.recoverConsumer();
      if (bytes === undefined) return;
      const reader = new FrameReader(bytes);
      let f;
      try {
        f = readFrame(reader, emptyFrame(), undefined, true);
      } catch {
        o.emit({ type: 'message-lost', shard: slot.shard, at, reason: 'an undecodable frame was in flight when the shard crashed' });
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
    const layout = this.#o.layout;
    const buffer = layout.rings[(shard + 1) * layout.threads + to];
    if (!buffer) return;
    const ring = SpscRing.attach(buffer);
    const f = emptyFrame();
    f.kind = FrameKind.ReplyError;
    f.correlation = correlation;
    f.sender = shard + 1;
    f.body = error;
    const w = new FrameWriter(256);
    writeFrame(w, f);
    if (ring.tryWrite(w.view8())) Doorbell.attach(layout.doorbells[to] as SharedArrayBuffer).ring();
  }

  /** Cheap per-shard gauges from shared counters (no message crosses a thread). */
  gauges(): ShardGauges[] {
    const now = this.#o.clock.monotonic();
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

  /**
   * Terminates shard `shard`'s thread for real (it is then restarted); resolves once it exited.
   * @throws ShnError `INVALID_ARGUMENT` for a shard that does not exist.
   */
  async kill(shard: number): Promise<void> {
    const slot = this.#slots[shard];
    if (slot === undefined) throw new ShnError('INVALID_ARGUMENT', `no shard ${String(shard)}`);
    const worker = slot.worker;
    if (worker === undefined) return;
    slot.lastError = 'killed';
    const exited = slot.exited;
    await worker.terminate();
    await exited;
  }

  /**
   * Asks every shard to drain (bounded by `timeoutMs`), waits for them to exit (up to
   * `timeoutMs + 2 s`), then terminates any that are left. Every shard ends `down`.
   */
  async stopAll(timeoutMs: number): Promise<void> {
    const exits: Promise<void>[] = [];
    for (const slot of this.#slots) {
      const worker = slot.worker;
      if (worker === undefined) continue;
      worker.postMessage({ t: 'drain', timeoutMs } satisfies MainToShard);
      exits.push(slot.exited);
    }
    let handle: ReturnType<Timer['setTimeout']> | undefined;
    const overdue = new Promise<void>((resolve) => {
      handle = this.#o.timer.setTimeout(resolve, timeoutMs + 2_000);
    });
    await Promise.race([Promise.all(exits), overdue]);
    if (handle !== undefined) this.#o.timer.clearTimeout(handle);
    await Promise.all(
      this.#slots.map(async (slot) => {
        if (slot.worker !== undefined) {
          await slot.worker.terminate();
          await slot.exited;
        }
        slot.state = 'down';
      }),
    );
  }
}

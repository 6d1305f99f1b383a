import { ShnError, systemClock, systemTimer, toShnError } from '@shn/core';
import type { Clock, Timer, TimerHandle } from '@shn/core';
import { AppendLog, replayAppendLog } from './append-log.js';
import type { FsyncPolicy } from './append-log.js';
import type { Checkpointer, RestoreReport } from './checkpointer.js';
import type { KeyedState } from './keyed-state.js';

/** The append-only part of {@link KeyspacePersistenceOptions}. */
export interface AofOptions {
  /** Directory of the segments. */
  readonly dir: string;
  /** Segment name (`[A-Za-z0-9_-]{1,64}`), one per shard, e.g. `kv-0`. */
  readonly name: string;
  /** Default `everysec`. */
  readonly fsync?: FsyncPolicy;
}

/** Options of {@link KeyspacePersistence}. */
export interface KeyspacePersistenceOptions {
  /** The shard's keyspace. */
  readonly state: KeyedState;
  readonly checkpointer: Checkpointer;
  /** The checkpoint name of this shard, e.g. `kv/0`. */
  readonly actor: string;
  /** Background incremental checkpoint every this many ms when something changed (default 60000; 0 = never). */
  readonly everyMs?: number;
  /** ... or after this many changes (default 10000; 0 = never). */
  readonly everyChanges?: number;
  /** Enables the append-only log (Redis's appendonly yes). */
  readonly aof?: AofOptions;
  /** Re-applies one logged write to `state` during restore (the app decodes its own records). */
  readonly applyLogRecord?: (record: Uint8Array) => void;
  readonly timer?: Timer;
  readonly clock?: Clock;
}

/** What {@link KeyspacePersistence.restore} did. */
export interface KeyspaceRestoreReport {
  readonly checkpoint: RestoreReport;
  /** Logged writes replayed on top of the checkpoint. */
  readonly replayed: number;
  /** Bytes of a torn log tail that were cut off. */
  readonly tornBytes: number;
}

/**
 * RDB + AOF persistence for one shard's {@link KeyedState}, so a Redis-like server's SAVE, BGSAVE,
 * LASTSAVE, INFO persistence and appendonly are thin commands over it.
 *
 * - Incremental checkpoints every `everyMs` / `everyChanges` (O(changed keys), one tick).
 * - {@link bgsave}: a full checkpoint from a copy-on-write view, encoded in chunks between messages.
 * - With `aof`, {@link logWrite} appends each write before its reply (per the fsync policy); each
 *   capture rotates the log, and segments a durable checkpoint covers are deleted (one checkpoint later,
 *   so a fallback restore still finds them).
 * - {@link restore}: the newest valid checkpoint, then the log segments after it.
 * - {@link close}: a last checkpoint, then the log is synced and closed.
 */
export class KeyspacePersistence {
  readonly #o: KeyspacePersistenceOptions;
  readonly #timer: Timer;
  readonly #clock: Clock;
  readonly #everyMs: number;
  readonly #everyChanges: number;
  #aof: AppendLog | undefined;
  #changes = 0;
  #tick: TimerHandle | undefined;
  #running: Promise<void> | undefined;
  #bgsaveInProgress = false;
  #lastSaveAt = 0;
  #lastStatus: 'ok' | 'err' = 'ok';
  #lastError: ShnError | undefined;
  #lastDurationMs = 0;
  #saves = 0;
  #prevDurable = 0;
  #closed = false;
  #started = false;

  /** @throws ShnError `INVALID_ARGUMENT` for bad intervals or an aof without applyLogRecord. */
  constructor(options: KeyspacePersistenceOptions) {
    this.#o = options;
    this.#timer = options.timer ?? systemTimer;
    this.#clock = options.clock ?? systemClock;
    this.#everyMs = options.everyMs ?? 60_000;
    this.#everyChanges = options.everyChanges ?? 10_000;
    if (!(this.#everyMs >= 0) || !(this.#everyChanges >= 0)) throw new ShnError('INVALID_ARGUMENT', 'everyMs and everyChanges must be >= 0');
    if (options.aof !== undefined && options.applyLogRecord === undefined) throw new ShnError('INVALID_ARGUMENT', 'aof needs applyLogRecord to replay the log');
  }

  /**
   * Restores the keyspace (checkpoint, then log), opens the log and starts the interval trigger.
   * Call once, before serving. If log records were replayed, a full checkpoint is written first.
   * @throws ShnError `DATA_CORRUPT` / `UNSUPPORTED_VERSION` when checkpoints exist but none is usable
   *   or a log segment is damaged other than at its tail; `STORE_FAILED` on I/O errors.
   */
  async restore(): Promise<KeyspaceRestoreReport> {
    if (this.#started) throw new ShnError('INVALID_ARGUMENT', 'restore was already called');
    this.#started = true;
    const { state, checkpointer, actor, aof } = this.#o;
    const { image, report } = await checkpointer.loadWithReport(actor);
    if (image !== undefined) state.restore(image);
    let replayed = 0;
    let tornBytes = 0;
    let maxGen = 0;
    if (aof !== undefined) {
      const apply = this.#o.applyLogRecord as (r: Uint8Array) => void;
      const r = await replayAppendLog(aof.dir, aof.name, state.seq, (rec) => {
        apply(rec);
        replayed++;
      });
      tornBytes = r.tornBytes;
      maxGen = Math.max(0, ...r.segments);
      this.#aof = await AppendLog.open(aof.dir, aof.name, { fsync: aof.fsync ?? 'everysec', timer: this.#timer });
      maxGen = Math.max(maxGen, this.#aof.generation);
    }
    this.#prevDurable = state.seq;
    if (replayed > 0 || maxGen > state.seq) {
      state.advanceTo(Math.max(state.seq, maxGen));
      await this.save();
    }
    this.#changes = state.dirtyCount;
    this.#schedule();
    return { checkpoint: report, replayed, tornBytes };
  }

  #schedule(): void {
    if (this.#everyMs <= 0 || this.#closed) return;
    this.#tick = this.#timer.setTimeout(() => {
      if (this.#closed) return;
      if (this.#changes > 0) void this.#capture(false).catch(() => undefined);
      this.#schedule();
    }, this.#everyMs);
    this.#tick.unref?.();
  }

  /**
   * Logs one write (AOF) and counts it for the change trigger. Resolves when the record is as durable
   * as the fsync policy promises; reply to the client after that. Without aof it resolves at once.
   * Call it in the same tick as the change to the state; prefer logging effects (set key to value,
   * delete key) over commands, so a record replayed on a checkpoint that already holds it is harmless.
   * @throws ShnError from {@link AppendLog.append}.
   */
  async logWrite(record?: Uint8Array): Promise<void> {
    // Enqueue before a change-triggered capture can rotate the log: the record then stays in the
    // segment before the checkpoint that contains its effect, and is not replayed on top of it.
    const appended = this.#aof !== undefined && record !== undefined ? this.#aof.append(record) : undefined;
    this.noteChanges(1);
    await appended;
  }

  /** Counts `n` changes (for a write not logged through {@link logWrite}). */
  noteChanges(n: number): void {
    this.#changes += n;
    if (this.#everyChanges > 0 && this.#changes >= this.#everyChanges && this.#running === undefined) void this.#capture(false).catch(() => undefined);
  }

  /** Captures now; full from a copy-on-write view, or incremental. One capture at a time. */
  #capture(full: boolean): Promise<void> {
    if (this.#running !== undefined) {
      const again = (): Promise<void> => this.#capture(full);
      return this.#running.then(again, again);
    }
    const { state, checkpointer, actor } = this.#o;
    const t0 = this.#clock.monotonic();
    let bytes: Promise<Uint8Array>;
    if (full) {
      bytes = state.captureFull({ timer: this.#timer });
      this.#bgsaveInProgress = true;
    } else {
      bytes = Promise.resolve(state.snapshot());
    }
    const seq = state.seq;
    const changes = this.#changes;
    this.#changes = 0;
    if (this.#aof !== undefined && seq > this.#aof.generation) this.#aof.rotate(seq);
    this.#running = (async () => {
      try {
        await checkpointer.save(actor, await bytes);
        this.#lastStatus = 'ok';
        this.#lastError = undefined;
        this.#lastSaveAt = this.#clock.now();
        this.#saves++;
        if (this.#aof !== undefined) await this.#aof.dropBefore(this.#prevDurable);
        this.#prevDurable = seq;
      } catch (e) {
        this.#lastStatus = 'err';
        this.#lastError = toShnError(e, 'STORE_FAILED');
        this.#changes += changes;
        throw this.#lastError;
      } finally {
        this.#bgsaveInProgress = false;
        this.#lastDurationMs = this.#clock.monotonic() - t0;
        this.#running = undefined;
      }
    })();
    return this.#running;
  }

  /** SAVE: a full checkpoint; resolves when durable. @throws ShnError `STORE_FAILED` etc. */
  save(): Promise<void> {
    return this.#capture(true);
  }

  /** BGSAVE: starts a full checkpoint in the background; false if one is already running. */
  bgsave(): boolean {
    if (this.#bgsaveInProgress) return false;
    void this.#capture(true).catch(() => undefined);
    return true;
  }

  /** Resolves when no capture is running (a failed one included). */
  async whenIdle(): Promise<void> {
    while (this.#running !== undefined) await this.#running.catch(() => undefined);
  }

  /** LASTSAVE: epoch seconds of the last successful checkpoint (0 if none yet). */
  get lastSave(): number {
    return Math.floor(this.#lastSaveAt / 1000);
  }

  /** The last checkpoint error, if the last one failed. */
  get lastError(): ShnError | undefined {
    return this.#lastError;
  }

  /** Fields for `INFO persistence`, Redis names where they exist. */
  info(): Record<string, string | number> {
    return {
      loading: 0,
      rdb_changes_since_last_save: this.#changes,
      rdb_bgsave_in_progress: this.#bgsaveInProgress ? 1 : 0,
      rdb_last_save_time: this.lastSave,
      rdb_last_bgsave_status: this.#lastStatus,
      rdb_last_bgsave_time_ms: Math.round(this.#lastDurationMs),
      rdb_saves: this.#saves,
      aof_enabled: this.#aof !== undefined ? 1 : 0,
      aof_fsync: this.#aof?.policy ?? 'off',
      aof_last_write_status: this.#aof?.lastError === undefined ? 'ok' : 'err',
      aof_generation: this.#aof?.generation ?? 0,
      checkpoint_seq: this.#o.state.seq,
    };
  }

  /**
   * For a crashed owner (an actor that threw and is being restarted in the same thread): stops the
   * trigger, waits for a running capture, and closes the log WITHOUT a last checkpoint (the in-memory
   * state may be half-updated). Everything acknowledged is already in the log or a checkpoint.
   */
  async abandon(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#tick !== undefined) this.#timer.clearTimeout(this.#tick);
    while (this.#running !== undefined) await this.#running.catch(() => undefined);
    await this.#o.checkpointer.flush(this.#o.actor);
    await this.#aof?.close();
  }

  /** Graceful shutdown: stops the trigger, takes a last checkpoint if anything changed, closes the log. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#tick !== undefined) this.#timer.clearTimeout(this.#tick);
    while (this.#running !== undefined) await this.#running.catch(() => undefined);
    if (this.#changes > 0 || this.#o.state.dirtyCount > 0) await this.#capture(false);
    await this.#o.checkpointer.flush(this.#o.actor);
    await this.#aof?.close();
  }
}

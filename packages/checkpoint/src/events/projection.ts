import { ShnError, toShnError } from '@shn/core';
import type { Store } from '@shn/core';
import type { EventStore, RecordedEvent, Subscription } from './event-store.js';
import { Upcasters } from './upcasters.js';

/** A read model fed by events, in global order. */
export interface Projection {
  /** Names its checkpointed position (`[A-Za-z0-9_.:-]{1,128}`). */
  readonly name: string;
  /** Empties the read model (called before a rebuild from zero). */
  reset(): void | Promise<void>;
  apply(event: RecordedEvent): void | Promise<void>;
}

/** Options of {@link ProjectionRunner}. */
export interface ProjectionRunnerOptions {
  readonly store: EventStore;
  readonly projection: Projection;
  /** Where the position is checkpointed (key `projection/<name>`). */
  readonly positions: Store;
  /** Save the position every this many events (default 100) and on stop. */
  readonly saveEvery?: number;
  readonly upcasters?: Upcasters;
  readonly pollMs?: number;
  /** The projection threw or the store failed; the runner stopped. */
  readonly onError?: (error: ShnError) => void;
}

/**
 * Runs a {@link Projection} asynchronously: subscribes to all streams after the checkpointed position,
 * applies each event, checkpoints the position. After a crash it resumes from the last checkpoint, so
 * `apply` must tolerate seeing up to `saveEvery` events again (make it idempotent, or save every event).
 * {@link rebuild} replays from zero (after `reset`) or from any position.
 */
export class ProjectionRunner {
  readonly #o: ProjectionRunnerOptions;
  readonly #up: Upcasters;
  readonly #key: string;
  #sub: Subscription | undefined;
  #position = 0;
  #sinceSave = 0;

  /** @throws ShnError `INVALID_ARGUMENT` for a bad projection name or saveEvery. */
  constructor(options: ProjectionRunnerOptions) {
    if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(options.projection?.name ?? '')) throw new ShnError('INVALID_ARGUMENT', 'projection name must match [A-Za-z0-9_.:-]{1,128}');
    const every = options.saveEvery ?? 100;
    if (!Number.isSafeInteger(every) || every < 1) throw new ShnError('INVALID_ARGUMENT', 'saveEvery must be an integer >= 1');
    this.#o = options;
    this.#up = options.upcasters ?? new Upcasters();
    this.#key = `projection/${options.projection.name}`;
  }

  /** The position of the last event applied. */
  get position(): number {
    return this.#position;
  }

  /** The checkpointed position (0 if none). */
  async savedPosition(): Promise<number> {
    const raw = await this.#o.positions.get(this.#key);
    if (raw === undefined) return 0;
    const n = Number(new TextDecoder().decode(raw));
    if (!Number.isSafeInteger(n) || n < 0) throw new ShnError('DATA_CORRUPT', `projection position ${this.#key} is not an integer: ${new TextDecoder().decode(raw).slice(0, 40)}`);
    return n;
  }

  async #save(): Promise<void> {
    this.#sinceSave = 0;
    await this.#o.positions.put(this.#key, new TextEncoder().encode(String(this.#position)));
  }

  /** Starts from the checkpointed position. @throws ShnError `INVALID_ARGUMENT` if already running. */
  async start(): Promise<void> {
    await this.#startAt(await this.savedPosition());
  }

  async #startAt(position: number): Promise<void> {
    if (this.#sub !== undefined) throw new ShnError('INVALID_ARGUMENT', `projection ${this.#o.projection.name} is already running`);
    this.#position = position;
    const every = this.#o.saveEvery ?? 100;
    this.#sub = this.#o.store.subscribe(
      async (e) => {
        await this.#o.projection.apply(this.#up.apply(e));
        this.#position = e.position;
        if (++this.#sinceSave >= every) await this.#save();
      },
      {
        after: position,
        ...(this.#o.pollMs === undefined ? {} : { pollMs: this.#o.pollMs }),
        onError: (err) => {
          this.#sub = undefined;
          this.#o.onError?.(toShnError(err));
        },
      },
    );
  }

  /** Resolves when every event up to `position` has been applied. */
  async caughtUp(position: number): Promise<void> {
    await this.#sub?.caughtUp(position);
  }

  /** Stops and checkpoints the position. */
  async stop(): Promise<void> {
    const sub = this.#sub;
    this.#sub = undefined;
    await sub?.close();
    await this.#save();
  }

  /**
   * Replays: from zero (`reset()` first) or from `position` (the read model must already hold
   * everything up to it). Resumes live afterwards.
   */
  async rebuild(position = 0): Promise<void> {
    await this.stop();
    if (position === 0) await this.#o.projection.reset();
    this.#position = position;
    await this.#save();
    await this.#startAt(position);
  }
}

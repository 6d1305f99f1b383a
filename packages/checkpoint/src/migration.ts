import { ShnError } from '@shn/core';
import type { KeyedState } from './keyed-state.js';

/**
 * `stop-and-copy`: pause the unit at once, ship the whole state, resume on the target (the pause
 * is the whole copy). `pre-copy`: ship the whole state while the source keeps serving, then rounds
 * of deltas (the keys written meanwhile) until the delta is small or the rounds run out, then pause
 * for the last delta only (Xen's live migration).
 */
export type MigrationMode = 'stop-and-copy' | 'pre-copy';

/** A message addressed to the migrating unit: sender id and the sender's sequence number (1, 2, ...). */
export interface TaggedMessage<M = unknown> {
  readonly sender: string;
  readonly seq: number;
  readonly body: M;
}

/** What travels between source and target (over one FIFO channel each way). */
export type MigrationWire<M = unknown> =
  | { readonly t: 'copy'; readonly round: number; readonly image: Uint8Array }
  | { readonly t: 'copy-ack'; readonly round: number }
  | { readonly t: 'handoff'; readonly image: Uint8Array; readonly lastSeq: Readonly<Record<string, number>> }
  | { readonly t: 'forward'; readonly msg: TaggedMessage<M> };

/** What the host must do, in order. */
export type MigrationAction<M = unknown> =
  /** Send `wire` to the other side. */
  | { readonly kind: 'send'; readonly wire: MigrationWire<M> }
  /** Handle `msg` against the local state now (this side owns the unit). */
  | { readonly kind: 'apply'; readonly msg: TaggedMessage<M> }
  /** Switch the routing of the unit to the target, atomically (source only; emitted once, at the pause). */
  | { readonly kind: 'route-to-target' }
  /** A message already applied arrived again and was dropped (never happens on reliable channels). */
  | { readonly kind: 'duplicate'; readonly msg: TaggedMessage<M> }
  /** The target owns the unit and has applied everything the source handed over. */
  | { readonly kind: 'resumed' };

/** Options of {@link MigrationSource}. */
export interface MigrationSourceOptions {
  readonly mode: MigrationMode;
  /** Pre-copy: most delta rounds before pausing anyway (default 5). */
  readonly maxRounds?: number;
  /** Pre-copy: pause once a round would carry at most this many changed keys (default 64). */
  readonly pauseAtDirty?: number;
}

/**
 * The source side of a live migration of one unit (an actor or a hash slot) whose state is a
 * {@link KeyedState}. Sans-I/O: feed it events, perform the {@link MigrationAction}s it returns.
 *
 * Guarantees (checked by a fast-check model of random interleavings): per sender, every message is
 * applied exactly once and in sequence order, by exactly one side; the source stops applying before
 * the target starts. Messages arriving at the source after the pause (in flight, or from senders that
 * have not seen the routing change) are forwarded to the target in arrival order.
 * Do not take checkpoints of the same state while a pre-copy runs (both consume its dirty set).
 */
export class MigrationSource<M = unknown> {
  readonly #state: KeyedState;
  readonly #mode: MigrationMode;
  readonly #maxRounds: number;
  readonly #pauseAtDirty: number;
  readonly #lastSeq: Record<string, number> = {};
  #phase: 'serving' | 'copying' | 'paused' = 'serving';
  #round = 0;

  /** @throws ShnError `INVALID_ARGUMENT` for a bad mode or counts. */
  constructor(state: KeyedState, options: MigrationSourceOptions) {
    if (options.mode !== 'stop-and-copy' && options.mode !== 'pre-copy') throw new ShnError('INVALID_ARGUMENT', `mode must be stop-and-copy or pre-copy, got ${String(options.mode)}`);
    this.#maxRounds = options.maxRounds ?? 5;
    this.#pauseAtDirty = options.pauseAtDirty ?? 64;
    if (!Number.isInteger(this.#maxRounds) || this.#maxRounds < 0) throw new ShnError('INVALID_ARGUMENT', `maxRounds must be an integer >= 0, got ${String(options.maxRounds)}`);
    if (!Number.isInteger(this.#pauseAtDirty) || this.#pauseAtDirty < 0) throw new ShnError('INVALID_ARGUMENT', `pauseAtDirty must be an integer >= 0, got ${String(options.pauseAtDirty)}`);
    this.#state = state;
    this.#mode = options.mode;
  }

  /** `serving` (not started), `copying` (pre-copy rounds, still serving) or `paused` (handed off). */
  get phase(): 'serving' | 'copying' | 'paused' {
    return this.#phase;
  }

  /** Pre-copy rounds sent so far (the full copy is round 0). */
  get rounds(): number {
    return this.#round;
  }

  /**
   * Starts the migration. Pre-copy sends the full state (pass `initialImage` from
   * `state.captureFull()` to build it off the message loop); stop-and-copy pauses at once.
   * @throws ShnError `INVALID_ARGUMENT` if already started.
   */
  start(initialImage?: Uint8Array): MigrationAction<M>[] {
    if (this.#phase !== 'serving') throw new ShnError('INVALID_ARGUMENT', 'migration already started');
    if (this.#mode === 'stop-and-copy') return this.#pause(initialImage ?? this.#state.snapshotFull());
    this.#phase = 'copying';
    return [{ kind: 'send', wire: { t: 'copy', round: 0, image: initialImage ?? this.#state.snapshotFull() } }];
  }

  /** A message for the unit reached the source. */
  deliver(msg: TaggedMessage<M>): MigrationAction<M>[] {
    if (this.#phase === 'paused') return [{ kind: 'send', wire: { t: 'forward', msg } }];
    const last = this.#lastSeq[msg.sender] ?? 0;
    if (msg.seq <= last) return [{ kind: 'duplicate', msg }];
    this.#lastSeq[msg.sender] = msg.seq;
    return [{ kind: 'apply', msg }];
  }

  /** A wire message from the target. */
  onWire(wire: MigrationWire<M>): MigrationAction<M>[] {
    if (wire.t !== 'copy-ack') throw new ShnError('PROTOCOL_ERROR', `source got unexpected ${wire.t}`);
    if (this.#phase !== 'copying' || wire.round !== this.#round) return [];
    const dirty = this.#state.dirtyCount;
    if (this.#round >= this.#maxRounds || dirty <= this.#pauseAtDirty) return this.#pause(this.#state.snapshot());
    this.#round++;
    return [{ kind: 'send', wire: { t: 'copy', round: this.#round, image: this.#state.snapshot() } }];
  }

  #pause(image: Uint8Array): MigrationAction<M>[] {
    this.#phase = 'paused';
    return [{ kind: 'route-to-target' }, { kind: 'send', wire: { t: 'handoff', image, lastSeq: { ...this.#lastSeq } } }];
  }
}

/**
 * The target side of a live migration: applies the copies, becomes the owner at the handoff, and
 * applies messages (forwarded by the source or sent directly after the routing change) per sender in
 * sequence order, holding back any that arrive ahead of a gap. Sans-I/O like {@link MigrationSource}.
 */
export class MigrationTarget<M = unknown> {
  readonly #state: KeyedState;
  #owner = false;
  readonly #lastSeq = new Map<string, number>();
  readonly #held = new Map<string, Map<number, TaggedMessage<M>>>();

  constructor(state: KeyedState) {
    this.#state = state;
  }

  /** True once the handoff was applied. */
  get owner(): boolean {
    return this.#owner;
  }

  /** Messages held back (before the handoff, or behind a gap). */
  get held(): number {
    let n = 0;
    for (const m of this.#held.values()) n += m.size;
    return n;
  }

  /**
   * A wire message from the source.
   * @throws ShnError `PROTOCOL_ERROR` for an out-of-place message, `DATA_CORRUPT` for an image that
   *   does not apply (a lost or reordered round).
   */
  onWire(wire: MigrationWire<M>): MigrationAction<M>[] {
    switch (wire.t) {
      case 'copy':
        if (this.#owner) throw new ShnError('PROTOCOL_ERROR', 'copy after handoff');
        this.#state.apply(wire.image);
        return [{ kind: 'send', wire: { t: 'copy-ack', round: wire.round } }];
      case 'handoff': {
        if (this.#owner) throw new ShnError('PROTOCOL_ERROR', 'second handoff');
        this.#state.apply(wire.image);
        // The copy's deltas never reached a checkpoint store: the target's first capture is full.
        this.#state.advanceTo(this.#state.seq);
        for (const [s, n] of Object.entries(wire.lastSeq)) this.#lastSeq.set(s, Math.max(n, this.#lastSeq.get(s) ?? 0));
        this.#owner = true;
        const out: MigrationAction<M>[] = [];
        for (const sender of [...this.#held.keys()]) this.#drain(sender, out);
        out.push({ kind: 'resumed' });
        return out;
      }
      case 'forward':
        return this.deliver(wire.msg);
      default:
        throw new ShnError('PROTOCOL_ERROR', `target got unexpected ${(wire as { t: string }).t}`);
    }
  }

  /** A message for the unit reached the target (directly, or forwarded). */
  deliver(msg: TaggedMessage<M>): MigrationAction<M>[] {
    const last = this.#lastSeq.get(msg.sender) ?? 0;
    if (this.#owner && msg.seq <= last) return [{ kind: 'duplicate', msg }];
    let q = this.#held.get(msg.sender);
    if (q === undefined) this.#held.set(msg.sender, (q = new Map()));
    if (q.has(msg.seq)) return [{ kind: 'duplicate', msg }];
    q.set(msg.seq, msg);
    const out: MigrationAction<M>[] = [];
    if (this.#owner) this.#drain(msg.sender, out);
    return out;
  }

  #drain(sender: string, out: MigrationAction<M>[]): void {
    const q = this.#held.get(sender);
    if (q === undefined) return;
    let last = this.#lastSeq.get(sender) ?? 0;
    for (const seq of [...q.keys()]) if (seq <= last) {
      out.push({ kind: 'duplicate', msg: q.get(seq) as TaggedMessage<M> });
      q.delete(seq);
    }
    for (let next = q.get(last + 1); next !== undefined; next = q.get(last + 1)) {
      q.delete(last + 1);
      last++;
      out.push({ kind: 'apply', msg: next });
    }
    this.#lastSeq.set(sender, last);
    if (q.size === 0) this.#held.delete(sender);
  }
}

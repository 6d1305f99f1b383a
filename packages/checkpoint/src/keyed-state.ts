import { ShnError, systemClock, systemTimer } from '@shn/core';
import type { Clock, Timer } from '@shn/core';
import { DEFAULT_KEY_GROUPS, keyGroupOf } from './key-groups.js';
import { corruptError } from './corrupt-error.js';
import { ImageEncoder, decodeImageHeader, scanImage } from './state-image.js';

/** Options of {@link KeyedState}. */
export interface KeyedStateOptions {
  /** Key groups records are tagged with (default 16384); fixed for the life of the data. */
  readonly keyGroups?: number;
}

/** Marks, in a view's preserved map, a key that did not exist when the view was taken. */
const ABSENT = Symbol('absent');
type Preserved = Uint8Array | typeof ABSENT;

/** Options of {@link KeyedState.captureFull}. */
export interface CaptureOptions {
  /** Longest stretch of encoding between two yields to the event loop, ms (default 4). */
  readonly sliceMs?: number;
  /** Used to yield (`setTimeout(fn, 0)`); default systemTimer. */
  readonly timer?: Timer;
  /** Measures the slices; default systemClock. */
  readonly clock?: Clock;
}

/**
 * An immutable view of a {@link KeyedState} at one instant, kept consistent by copy-on-write:
 * a write to the live state after the view was taken first saves the old value into the view.
 * Taking a view is O(1); each later write costs one extra map lookup per open view.
 */
export class StateView {
  /** @internal */
  readonly preserved = new Map<string, Preserved>();
  /** @internal */ released = false;

  /** @internal */
  constructor(
    private readonly live: Map<string, Uint8Array>,
    private readonly onRelease: (v: StateView) => void,
    /** The checkpoint number this view will be written as. */
    readonly seq: number,
  ) {}

  /**
   * Every entry as of the view, in no particular order. A key mutated while iterating may be
   * yielded twice, always with the same (view-time) value. Iterating after {@link release} throws.
   */
  *entries(): Generator<[string, Uint8Array]> {
    const seen = new Set<string>();
    for (const [k, v] of this.live) {
      if (this.released) throw new ShnError('INVALID_ARGUMENT', 'state view used after release');
      const p = this.preserved.get(k);
      if (p === undefined) {
        yield [k, v];
      } else if (!seen.has(k)) {
        seen.add(k);
        if (p !== ABSENT) yield [k, p];
      }
    }
    for (const [k, p] of this.preserved) {
      if (p !== ABSENT && !seen.has(k) && !this.live.has(k)) yield [k, p];
    }
  }

  /** Stops the copy-on-write bookkeeping; call when done. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.preserved.clear();
    this.onRelease(this);
  }
}

/**
 * A string-keyed map of byte values made for checkpointing an actor's state: it tracks the keys
 * changed since the last capture (for incremental checkpoints), tags every key with its key group
 * (for re-sharding), and gives O(1) copy-on-write views (so a full capture runs in the background
 * while messages keep mutating the state).
 *
 * As an actor's `snapshot()`/`restore()`: `snapshot()` returns a delta image (O(changed keys)),
 * or a full image the first time and after a re-shard; `restore()` takes the full image the
 * checkpointer's `load` returns.
 */
export class KeyedState {
  readonly #map = new Map<string, Uint8Array>();
  /** Keys set or deleted since the last capture. */
  readonly #dirty = new Set<string>();
  readonly #views = new Set<StateView>();
  /** The key group count records are tagged with. */
  readonly keyGroups: number;
  /** Sum of key lengths (UTF-16 units, an estimate of UTF-8) and value bytes, for buffer sizing. */
  #bytes = 0;
  #seq = 0;
  #needFull = true;

  /** @throws ShnError `INVALID_ARGUMENT` for a bad key group count. */
  constructor(options: KeyedStateOptions = {}) {
    this.keyGroups = options.keyGroups ?? DEFAULT_KEY_GROUPS;
    keyGroupOf('', this.keyGroups); // validates
  }

  /** The number of the last checkpoint captured or restored (0: none). */
  get seq(): number {
    return this.#seq;
  }

  /** Keys changed since the last capture. */
  get dirtyCount(): number {
    return this.#dirty.size;
  }

  /** Number of keys. */
  get size(): number {
    return this.#map.size;
  }

  /** The value of `key` (by reference: do not mutate), or undefined. */
  get(key: string): Uint8Array | undefined {
    return this.#map.get(key);
  }

  /** True if `key` is present. */
  has(key: string): boolean {
    return this.#map.has(key);
  }

  /** The keys, in insertion order (live: do not mutate the state while iterating; use {@link view}). */
  keys(): IterableIterator<string> {
    return this.#map.keys();
  }

  /** The entries, in insertion order (live, like {@link keys}). */
  entries(): IterableIterator<[string, Uint8Array]> {
    return this.#map.entries();
  }

  #preserve(key: string): void {
    for (const v of this.#views) {
      if (!v.preserved.has(key)) v.preserved.set(key, this.#map.get(key) ?? ABSENT);
    }
  }

  /**
   * Sets a key. The value is kept by reference: do not mutate it afterwards.
   * @throws ShnError `INVALID_ARGUMENT` unless key is a string and value a Uint8Array.
   */
  set(key: string, value: Uint8Array): void {
    if (typeof key !== 'string') throw new ShnError('INVALID_ARGUMENT', 'state key must be a string');
    if (!(value instanceof Uint8Array)) throw new ShnError('INVALID_ARGUMENT', 'state value must be a Uint8Array');
    if (this.#views.size > 0) this.#preserve(key);
    const old = this.#map.get(key);
    this.#bytes += value.length - (old === undefined ? -key.length : old.length);
    this.#map.set(key, value);
    this.#dirty.add(key);
  }

  /** Deletes a key; true if it existed. */
  delete(key: string): boolean {
    const old = this.#map.get(key);
    if (old === undefined) return false;
    if (this.#views.size > 0) this.#preserve(key);
    this.#bytes -= key.length + old.length;
    this.#map.delete(key);
    this.#dirty.add(key);
    return true;
  }

  /** Removes every key (a FLUSHALL); O(n) once, the next capture is full. */
  clear(): void {
    if (this.#views.size > 0) for (const k of this.#map.keys()) this.#preserve(k);
    this.#map.clear();
    this.#bytes = 0;
    this.#dirty.clear();
    this.#needFull = true;
  }

  /**
   * Captures the changes since the last capture as a delta image (O(changed keys)), or a full
   * image when no full checkpoint exists yet for this state (first capture, after `clear` or a
   * re-sharding restore). Advances {@link seq}. This is the actor's `snapshot()`.
   */
  snapshot(): Uint8Array {
    if (this.#needFull) return this.snapshotFull();
    const seq = this.#seq + 1;
    const enc = new ImageEncoder({ kind: 'delta', seq, baseSeq: this.#seq, keyGroups: this.keyGroups });
    for (const k of this.#dirty) {
      const v = this.#map.get(k);
      if (v === undefined) enc.delete(k, keyGroupOf(k, this.keyGroups));
      else enc.put(k, keyGroupOf(k, this.keyGroups), v);
    }
    this.#dirty.clear();
    this.#seq = seq;
    return enc.finish();
  }

  /** A full image, synchronously (O(n): prefer {@link captureFull} for big states). Advances {@link seq}. */
  snapshotFull(): Uint8Array {
    const seq = this.#seq + 1;
    const enc = new ImageEncoder({ kind: 'full', seq, baseSeq: 0, keyGroups: this.keyGroups }, this.#bytes + this.#map.size * 24 + 256);
    for (const [k, v] of this.#map) enc.putGrouped(k, v);
    this.#dirty.clear();
    this.#needFull = false;
    this.#seq = seq;
    return enc.finish();
  }

  /**
   * Opens a copy-on-write view and advances {@link seq} as if a full capture happened now
   * (the dirty set is cleared). Release it when done.
   */
  view(): StateView {
    const seq = this.#seq + 1;
    const v = new StateView(this.#map, (x) => this.#views.delete(x), seq);
    this.#views.add(v);
    this.#dirty.clear();
    this.#needFull = false;
    this.#seq = seq;
    return v;
  }

  /**
   * A full image of the state as of the call, encoded in chunks of `chunk` records with a yield to
   * the event loop between chunks, so messages keep flowing (copy-on-write keeps the image
   * consistent). The capture itself is O(1); this state's {@link seq} advances at the call.
   */
  async captureFull(options: CaptureOptions = {}): Promise<Uint8Array> {
    const sliceMs = options.sliceMs ?? 4;
    const timer = options.timer ?? systemTimer;
    const clock = options.clock ?? systemClock;
    const view = this.view();
    try {
      const enc = new ImageEncoder({ kind: 'full', seq: view.seq, baseSeq: 0, keyGroups: this.keyGroups }, this.#bytes + this.#map.size * 24 + 256);
      let n = 0;
      let sliceStart = clock.monotonic();
      for (const [k, v] of view.entries()) {
        enc.putGrouped(k, v);
        // Check the clock every 64 records; yield once the slice is used up.
        if ((++n & 63) === 0 && clock.monotonic() - sliceStart >= sliceMs) {
          await new Promise<void>((resolve) => timer.setTimeout(resolve, 0));
          sliceStart = clock.monotonic();
        }
      }
      return enc.finish();
    } finally {
      view.release();
    }
  }

  /**
   * Moves {@link seq} forward to `seq` and makes the next capture full (used after replaying a log
   * whose generations ran ahead of the last checkpoint).
   * @throws ShnError `INVALID_ARGUMENT` unless `seq` is a safe integer >= the current seq.
   */
  advanceTo(seq: number): void {
    if (!Number.isSafeInteger(seq) || seq < this.#seq) throw new ShnError('INVALID_ARGUMENT', `advanceTo needs a safe integer >= ${this.#seq}, got ${String(seq)}`);
    this.#seq = seq;
    this.#needFull = true;
  }

  /**
   * Applies an image: a full one replaces the state (like {@link restore}); a delta must apply on
   * this state's {@link seq} (its `baseSeq`), or on an empty state when its base is 0.
   * Applied changes are not marked dirty (they came from elsewhere).
   * @throws ShnError `DATA_CORRUPT` for a bad image or a delta whose base is not {@link seq}
   *   (`reason: 'broken-chain'`); the state is unchanged when it throws.
   */
  apply(bytes: Uint8Array): void {
    const h = decodeImageHeader(bytes);
    if (h.kind === 'full') {
      this.restore(bytes);
      return;
    }
    if (h.baseSeq !== this.#seq && !(h.baseSeq === 0 && this.#map.size === 0)) {
      throw corruptError('broken-chain', 'state image', `delta ${h.seq} applies on ${h.baseSeq}, this state is at ${this.#seq}`);
    }
    const changes: [string, Uint8Array | undefined][] = [];
    scanImage(bytes, (r) => changes.push([r.key, r.value?.slice()]));
    for (const [k, v] of changes) {
      if (this.#views.size > 0) this.#preserve(k);
      const old = this.#map.get(k);
      if (old !== undefined) this.#bytes -= k.length + old.length;
      if (v === undefined) this.#map.delete(k);
      else {
        this.#map.set(k, v);
        this.#bytes += k.length + v.length;
      }
    }
    this.#seq = h.seq;
    this.#needFull = false;
  }

  /**
   * Replaces the whole state with a full image (the actor's `restore()`), keeping only the keys
   * for which `owns(keyGroup, key)` is true when given. A filtered restore forces the next
   * capture to be full.
   * @throws ShnError `DATA_CORRUPT` / `UNSUPPORTED_VERSION` on a bad image, `INVALID_ARGUMENT` for
   *   a delta or a different key group count. The state is unchanged when it throws.
   */
  restore(bytes: Uint8Array, owns?: (keyGroup: number, key: string) => boolean): void {
    const h = decodeImageHeader(bytes);
    if (h.kind !== 'full') throw new ShnError('INVALID_ARGUMENT', 'restore needs a full image; apply deltas with a Checkpointer');
    if (h.keyGroups !== this.keyGroups) {
      throw new ShnError('INVALID_ARGUMENT', `image has ${h.keyGroups} key groups, this state ${this.keyGroups}`);
    }
    const next = new Map<string, Uint8Array>();
    scanImage(bytes, (r) => {
      if (r.value !== undefined && (owns === undefined || owns(r.keyGroup, r.key))) next.set(r.key, r.value.slice());
    });
    if (this.#views.size > 0) for (const k of this.#map.keys()) this.#preserve(k);
    this.#map.clear();
    this.#bytes = 0;
    for (const [k, v] of next) {
      this.#map.set(k, v);
      this.#bytes += k.length + v.length;
    }
    this.#dirty.clear();
    this.#seq = h.seq;
    this.#needFull = owns !== undefined;
  }
}

import { ShnError } from '@shn/core';
import { checkInt, checkMs } from './option-checks.js';

/**
 * How a breaker remembers recent calls:
 * - `count`: the last `size` calls, whenever they happened;
 * - `time`: the calls of the last `ms` milliseconds, in `buckets` buckets of `ms / buckets` each.
 *   The window slides by whole buckets, so it covers between `ms - ms/buckets` and `ms`.
 *   Buckets rotate from the Clock when the window is read or written, never from a timer.
 */
export type WindowOptions =
  | { readonly kind: 'count'; readonly size: number }
  | { readonly kind: 'time'; readonly ms: number; readonly buckets?: number };

/**
 * A window of recent outcomes. `now` is monotonic ms. Call `advance(now)` before `record` and
 * before reading the totals: the totals are those as of the last `advance`.
 * @internal
 */
export interface SlidingWindow {
  advance(now: number): void;
  record(failed: boolean, slow: boolean): void;
  readonly calls: number;
  readonly failures: number;
  readonly slow: number;
  reset(): void;
}

/** Validates window options; returns a factory of windows of that shape. @internal */
export function windowFactory(options: WindowOptions): () => SlidingWindow {
  if (typeof options !== 'object' || options === null) throw badWindow(options);
  if (options.kind === 'count') {
    const size = checkInt('window.size', options.size, 1);
    if (size > MAX_COUNT_WINDOW) throw new ShnError('INVALID_ARGUMENT', `window.size must be at most ${MAX_COUNT_WINDOW}, got ${size}`);
    return () => new CountWindow(size);
  }
  if (options.kind === 'time') {
    const ms = checkMs('window.ms', options.ms);
    const buckets = checkInt('window.buckets', options.buckets ?? 10, 1);
    if (buckets > MAX_BUCKETS) throw new ShnError('INVALID_ARGUMENT', `window.buckets must be at most ${MAX_BUCKETS}, got ${buckets}`);
    return () => new TimeWindow(ms / buckets, buckets);
  }
  throw badWindow(options);
}

/** The largest count window, in calls. */
export const MAX_COUNT_WINDOW = 1 << 20;
/** The most buckets a time window may have. */
export const MAX_BUCKETS = 1000;

function badWindow(value: unknown): ShnError {
  return new ShnError(
    'INVALID_ARGUMENT',
    `window must be { kind: 'count', size } or { kind: 'time', ms, buckets? }, got ${JSON.stringify(value) ?? String(value)}`,
  );
}

const FAILED = 1;
const SLOW = 2;

/** The last `size` outcomes in a ring. */
class CountWindow implements SlidingWindow {
  readonly #ring: Uint8Array;
  #pos = 0;
  #filled = 0;
  #failures = 0;
  #slow = 0;

  constructor(size: number) {
    this.#ring = new Uint8Array(size);
  }

  advance(): void {
    // A count window does not age.
  }

  record(failed: boolean, slow: boolean): void {
    const ring = this.#ring;
    if (this.#filled === ring.length) {
      const old = ring[this.#pos] as number;
      if (old & FAILED) this.#failures--;
      if (old & SLOW) this.#slow--;
    } else this.#filled++;
    ring[this.#pos] = (failed ? FAILED : 0) | (slow ? SLOW : 0);
    if (failed) this.#failures++;
    if (slow) this.#slow++;
    this.#pos = this.#pos + 1 === ring.length ? 0 : this.#pos + 1;
  }

  get calls(): number {
    return this.#filled;
  }

  get failures(): number {
    return this.#failures;
  }

  get slow(): number {
    return this.#slow;
  }

  reset(): void {
    this.#pos = 0;
    this.#filled = 0;
    this.#failures = 0;
    this.#slow = 0;
  }
}

/** Calls of the last `bucketMs * buckets` ms, counted per bucket with running sums. */
class TimeWindow implements SlidingWindow {
  readonly #bucketMs: number;
  readonly #buckets: number;
  /** Per bucket, three counters side by side: calls, failures, slow calls (one allocation). */
  readonly #counts: Uint32Array;
  /** Index (time / bucketMs) of the newest bucket; -Infinity when empty. */
  #head = Number.NEGATIVE_INFINITY;
  /** Offset in #counts of the newest bucket. */
  #slot = 0;
  #sumCalls = 0;
  #sumFailures = 0;
  #sumSlow = 0;

  constructor(bucketMs: number, buckets: number) {
    this.#bucketMs = bucketMs;
    this.#buckets = buckets;
    this.#counts = new Uint32Array(buckets * 3);
  }

  advance(now: number): void {
    const n = this.#buckets;
    const idx = Math.floor(now / this.#bucketMs);
    if (idx <= this.#head) return;
    if (this.#sumCalls === 0 || idx - this.#head >= n) {
      if (this.#sumCalls !== 0) this.reset();
      this.#head = idx;
      this.#slot = (((idx % n) + n) % n) * 3;
      return;
    }
    const c = this.#counts;
    for (let i = this.#head + 1; i <= idx; i++) {
      const at = (((i % n) + n) % n) * 3;
      this.#sumCalls -= c[at] as number;
      this.#sumFailures -= c[at + 1] as number;
      this.#sumSlow -= c[at + 2] as number;
      c[at] = 0;
      c[at + 1] = 0;
      c[at + 2] = 0;
    }
    this.#head = idx;
    this.#slot = (((idx % n) + n) % n) * 3;
  }

  record(failed: boolean, slow: boolean): void {
    const c = this.#counts;
    const at = this.#slot;
    c[at] = (c[at] as number) + 1;
    this.#sumCalls++;
    if (failed) {
      c[at + 1] = (c[at + 1] as number) + 1;
      this.#sumFailures++;
    }
    if (slow) {
      c[at + 2] = (c[at + 2] as number) + 1;
      this.#sumSlow++;
    }
  }

  get calls(): number {
    return this.#sumCalls;
  }

  get failures(): number {
    return this.#sumFailures;
  }

  get slow(): number {
    return this.#sumSlow;
  }

  reset(): void {
    if (this.#sumCalls !== 0) this.#counts.fill(0);
    this.#sumCalls = 0;
    this.#sumFailures = 0;
    this.#sumSlow = 0;
    this.#head = Number.NEGATIVE_INFINITY;
  }
}

/**
 * Wake-ups for one consuming thread, shared by all of its inbound rings.
 *
 * ## Fixed layout (version 1)
 *
 * A 192-byte SharedArrayBuffer of native-endian 32-bit words, accessed with `Atomics` through an
 * `Int32Array`:
 *
 * ```
 *     0  magic     0x4C424853 ("SHBL" read as little-endian bytes)
 *     4  version   1
 *    64  seq       bumped by every ring that found the consumer parked; the word Atomics.waitAsync waits on
 *   128  sleeping  number of wait() calls between "about to park" and "woke up" (normally 0 or 1)
 * ```
 *
 * Lost-wakeup freedom (Dekker-style, all accesses seq-cst): the producer publishes (Atomics.store of the
 * ring head) and then reads `sleeping`; the consumer increments `sleeping`, reads `seq`, re-checks its
 * rings and only then waits for `seq` to change. Either the producer sees `sleeping != 0` and bumps `seq`
 * (so the wait returns), or the consumer's re-check sees the published frame.
 */
import { ShnError, systemClock, systemTimer } from '@shn/core';
import type { Clock, Timer, TimerHandle } from '@shn/core';

/** The magic word at byte 0 of every doorbell buffer ("SHBL"). */
export const DOORBELL_MAGIC = 0x4c424853;
/** The layout version at byte 4 of every doorbell buffer. */
export const DOORBELL_VERSION = 1;
/** Size in bytes of a doorbell buffer. */
export const DOORBELL_BYTES = 192;
/** Default number of `hasWork()` checks before parking. */
export const DOORBELL_DEFAULT_SPINS = 64;
/**
 * Default microseconds a consumer keeps polling before it parks. Waking a parked thread costs a
 * trip through its event loop (tens of µs); polling this long first keeps round trips at a few µs
 * under steady traffic, while an idle thread still parks almost at once.
 */
export const DOORBELL_DEFAULT_SPIN_MICROS = 50;

const W_MAGIC = 0;
const W_VERSION = 1;
const W_SEQ = 16;
const W_SLEEPING = 32;

/** The longest delay Node's timers accept (about 24.8 days), used for the keep-alive handle. */
const KEEPALIVE_MS = 2 ** 31 - 1;

/** Why {@link Doorbell.wait} resolved. */
export type DoorbellWakeReason = 'work' | 'rung' | 'timeout';

/** Options of {@link Doorbell.wait}. */
export interface DoorbellWaitOptions {
  /** Resolve with `'timeout'` after this many milliseconds parked (default: wait forever). Must be >= 0. */
  readonly timeoutMs?: number;
  /** If true, the parked wait does not keep the thread's event loop alive (default false). */
  readonly unref?: boolean;
  /** `hasWork()` checks before parking (default {@link DOORBELL_DEFAULT_SPINS}); an integer >= 0. */
  readonly spins?: number;
  /**
   * After `spins`, keep polling `hasWork()` for up to this many microseconds (by the Clock's
   * monotonic time) before parking (default {@link DOORBELL_DEFAULT_SPIN_MICROS}; 0 parks at once).
   * The thread's event loop is blocked while it polls, so keep it small.
   */
  readonly spinMicros?: number;
}

/** Options of {@link Doorbell.create} and {@link Doorbell.attach}. */
export interface DoorbellOptions {
  /** Timer used for the keep-alive handle while parked (default `systemTimer`). */
  readonly timer?: Timer;
  /** Clock that bounds the polling phase (default `systemClock`). */
  readonly clock?: Clock;
}

type WaitAsyncResult =
  | { async: false; value: 'not-equal' | 'timed-out' }
  | { async: true; value: Promise<'ok' | 'timed-out'> };
type WaitAsync = (array: Int32Array, index: number, value: number, timeout?: number) => WaitAsyncResult;

function getWaitAsync(): WaitAsync {
  const fn = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;
  if (typeof fn !== 'function') {
    throw new ShnError('UNSUPPORTED', 'Doorbell needs Atomics.waitAsync (Node 16+)');
  }
  return fn;
}

/**
 * Wake-ups for one consuming thread (see the layout at the top of this file). Producers call {@link ring}
 * after publishing; the consumer awaits {@link wait}, which spins briefly and then parks with
 * `Atomics.waitAsync` (never `Atomics.wait`, so timers and I/O keep running).
 */
export class Doorbell {
  /** The shared buffer; send it to other threads and {@link Doorbell.attach} there. */
  readonly buffer: SharedArrayBuffer;
  readonly #words: Int32Array;
  readonly #timer: Timer;
  readonly #clock: Clock;
  readonly #waitAsync: WaitAsync;

  private constructor(buffer: SharedArrayBuffer, options: DoorbellOptions) {
    this.buffer = buffer;
    this.#words = new Int32Array(buffer, 0, DOORBELL_BYTES / 4);
    this.#timer = options.timer ?? systemTimer;
    this.#clock = options.clock ?? systemClock;
    this.#waitAsync = getWaitAsync();
  }

  /**
   * Creates a new doorbell.
   * @throws ShnError `UNSUPPORTED` if the platform lacks `Atomics.waitAsync`.
   */
  static create(options: DoorbellOptions = {}): Doorbell {
    const buffer = new SharedArrayBuffer(DOORBELL_BYTES);
    const words = new Int32Array(buffer);
    words[W_VERSION] = DOORBELL_VERSION;
    Atomics.store(words, W_MAGIC, DOORBELL_MAGIC);
    return new Doorbell(buffer, options);
  }

  /**
   * Attaches to a doorbell created elsewhere.
   * @throws ShnError `INVALID_ARGUMENT` if `buffer` is not a SharedArrayBuffer of the right size, magic and version.
   */
  static attach(buffer: SharedArrayBuffer, options: DoorbellOptions = {}): Doorbell {
    if (!(buffer instanceof SharedArrayBuffer)) {
      throw new ShnError('INVALID_ARGUMENT', 'Doorbell.attach: expected a SharedArrayBuffer');
    }
    if (buffer.byteLength !== DOORBELL_BYTES) {
      throw new ShnError('INVALID_ARGUMENT', `Doorbell.attach: buffer must be ${DOORBELL_BYTES} bytes, got ${buffer.byteLength}`);
    }
    const words = new Int32Array(buffer);
    if (Atomics.load(words, W_MAGIC) !== DOORBELL_MAGIC) {
      throw new ShnError('INVALID_ARGUMENT', 'Doorbell.attach: bad magic');
    }
    if (Atomics.load(words, W_VERSION) !== DOORBELL_VERSION) {
      throw new ShnError('INVALID_ARGUMENT', `Doorbell.attach: unsupported version ${Atomics.load(words, W_VERSION)}`);
    }
    return new Doorbell(buffer, options);
  }

  /**
   * Producer side: call after `publish()`. Costs one `Atomics.load` when the consumer is not parked;
   * otherwise bumps the sequence word and calls `Atomics.notify`.
   */
  ring(): void {
    if (Atomics.load(this.#words, W_SLEEPING) !== 0) this.wake();
  }

  /** Wakes a parked consumer unconditionally (used at shutdown). */
  wake(): void {
    Atomics.add(this.#words, W_SEQ, 1);
    Atomics.notify(this.#words, W_SEQ);
  }

  /** True while a consumer is parked (or about to park) on this doorbell. A gauge; racy by nature. */
  get parked(): boolean {
    return Atomics.load(this.#words, W_SLEEPING) !== 0;
  }

  /**
   * Consumer side: resolves `'work'` as soon as `hasWork()` is true (checked up to `spins` times, then once
   * more after announcing the park), `'rung'` when a producer rang or {@link wake} was called while parked,
   * or `'timeout'` after `timeoutMs` parked. While parked it holds a ref'd keep-alive timer (cleared on
   * wake) unless `unref` is true. `hasWork` must read shared state with seq-cst `Atomics` loads (for a ring,
   * `() => ring.hasData()`). Only one thread may wait on a doorbell.
   * @throws ShnError `INVALID_ARGUMENT` (synchronously) for a negative/NaN `timeoutMs` or a bad `spins`.
   */
  wait(hasWork: () => boolean, options: DoorbellWaitOptions = {}): Promise<DoorbellWakeReason> {
    const timeoutMs = options.timeoutMs ?? Infinity;
    if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
      throw new ShnError('INVALID_ARGUMENT', `Doorbell.wait: timeoutMs must be >= 0, got ${String(timeoutMs)}`);
    }
    const spins = options.spins ?? DOORBELL_DEFAULT_SPINS;
    if (!Number.isInteger(spins) || spins < 0) {
      throw new ShnError('INVALID_ARGUMENT', `Doorbell.wait: spins must be an integer >= 0, got ${String(spins)}`);
    }
    if (typeof hasWork !== 'function') {
      throw new ShnError('INVALID_ARGUMENT', 'Doorbell.wait: hasWork must be a function');
    }
    const spinMicros = options.spinMicros ?? DOORBELL_DEFAULT_SPIN_MICROS;
    if (typeof spinMicros !== 'number' || !(spinMicros >= 0) || spinMicros > 1_000_000) {
      throw new ShnError('INVALID_ARGUMENT', `Doorbell.wait: spinMicros must be in [0, 1e6], got ${String(spinMicros)}`);
    }
    for (let i = 0; i < spins; i++) {
      if (hasWork()) return Promise.resolve('work');
    }
    if (spinMicros > 0) {
      const until = this.#clock.monotonic() + spinMicros / 1000;
      do {
        for (let i = 0; i < 32; i++) if (hasWork()) return Promise.resolve('work');
      } while (this.#clock.monotonic() < until);
    }
    const words = this.#words;
    Atomics.add(words, W_SLEEPING, 1);
    const seq = Atomics.load(words, W_SEQ);
    let result: WaitAsyncResult;
    try {
      if (hasWork()) {
        Atomics.sub(words, W_SLEEPING, 1);
        return Promise.resolve('work');
      }
      result = this.#waitAsync(words, W_SEQ, seq, timeoutMs);
    } catch (error) {
      Atomics.sub(words, W_SLEEPING, 1);
      throw error;
    }
    if (!result.async) {
      Atomics.sub(words, W_SLEEPING, 1);
      return Promise.resolve(result.value === 'timed-out' ? 'timeout' : 'rung');
    }
    let keepAlive: TimerHandle | undefined;
    if (options.unref !== true) keepAlive = this.#timer.setTimeout(noop, KEEPALIVE_MS);
    return result.value.then((value) => {
      Atomics.sub(words, W_SLEEPING, 1);
      if (keepAlive !== undefined) this.#timer.clearTimeout(keepAlive);
      return value === 'timed-out' ? 'timeout' : 'rung';
    });
  }
}

function noop(): void {}

import { ShnError, systemTimer } from '@shn/core';
import type { Timer } from '@shn/core';
import { DOORBELL_DEFAULT_SPIN_MICROS, Doorbell, SpscRing } from '../../ring/index.js';
import { FrameWriter } from '../frame/frame-writer.js';
import { writeFrame } from '../frame/frame.js';
import type { FrameFields } from '../frame/frame.js';

/**
 * The shared memory of one node: an SPSC ring per ordered pair of threads (thread 0 is the
 * main thread, thread i + 1 is shard i) and one doorbell per thread. Created by the main
 * thread, which owns it for the node's lifetime; shard threads attach to it, and a restarted
 * shard attaches to the same rings.
 */
export interface MeshLayout {
  readonly threads: number;
  /** `rings[from * threads + to]`, `null` on the diagonal. */
  readonly rings: readonly (SharedArrayBuffer | null)[];
  readonly doorbells: readonly SharedArrayBuffer[];
}

/** Allocates a mesh for `threads` threads with `ringCapacity` data bytes per ring. */
export function createMesh(threads: number, ringCapacity: number): MeshLayout {
  const rings: (SharedArrayBuffer | null)[] = [];
  for (let from = 0; from < threads; from++) {
    for (let to = 0; to < threads; to++) rings.push(from === to ? null : SpscRing.create(ringCapacity).buffer);
  }
  const doorbells = Array.from({ length: threads }, () => Doorbell.create().buffer);
  return { threads, rings, doorbells };
}

/**
 * Handles one inbound frame; returns false to leave it in the ring for later (back-pressure).
 * Call `begin()` right before the frame's work starts, so a crash from then on reports the frame
 * as lost instead of redelivering it.
 */
export type FrameHandler = (from: number, bytes: Uint8Array, offset: number, length: number, begin: () => void) => boolean;

/** Polls in a row that found nothing before an adaptive endpoint parks at once. */
export const SPIN_FAILURES_BEFORE_PARKING = 4;
/** An adaptive endpoint that parks at once still polls fully once every this many parks (a power of two). */
export const SPIN_PROBE_EVERY = 64;

/** Frames drained from one ring before moving on to the next (fairness). */
const BATCH = 256;

/**
 * Frames written to one ring before they are published without waiting for the flush: a long
 * synchronous run of sends (a loop of tells) then feeds the consumer while it goes on, instead
 * of handing over the whole run at once when the loop yields.
 */
export const PUBLISH_EVERY = 256;

/**
 * One thread's view of the mesh: its outbound ring to every other thread (it is their only
 * producer) and its inbound ring from every other thread (it is their only consumer).
 * Sends are batched: frames are committed at once and published, with one doorbell ring
 * per target, at the end of the current microtask checkpoint, or every {@link PUBLISH_EVERY}
 * frames to one target within a long synchronous run.
 */
export class MeshEndpoint {
  readonly self: number;
  readonly threads: number;
  readonly #out: (SpscRing | null)[] = [];
  readonly #in: (SpscRing | null)[] = [];
  readonly #bells: Doorbell[];
  readonly #begin: (() => void)[] = [];
  readonly #dirty: boolean[];
  /** Frames committed to each outbound ring since it was last published. */
  readonly #unpublished: number[];
  /** Writers over each outbound ring's data region, for frames encoded in place (made on first use). */
  readonly #inPlace: (FrameWriter | undefined)[] = [];
  #flushScheduled = false;
  #running = false;
  #stopped = false;
  readonly #timer: Timer;
  readonly #flush = (): void => this.flush();

  constructor(layout: MeshLayout, self: number, timer: Timer = systemTimer) {
    if (!Number.isInteger(self) || self < 0 || self >= layout.threads) {
      throw new ShnError('INVALID_ARGUMENT', `thread ${String(self)} is not in a mesh of ${layout.threads}`);
    }
    this.self = self;
    this.threads = layout.threads;
    this.#timer = timer;
    for (let t = 0; t < layout.threads; t++) {
      const o = layout.rings[self * layout.threads + t];
      const i = layout.rings[t * layout.threads + self];
      this.#out.push(o ? SpscRing.attach(o) : null);
      this.#in.push(i ? SpscRing.attach(i) : null);
    }
    this.#bells = layout.doorbells.map((b) => Doorbell.attach(b));
    for (const ring of this.#in) this.#begin.push(ring ? () => ring.beginFrame() : () => undefined);
    this.#dirty = new Array<boolean>(layout.threads).fill(false);
    this.#unpublished = new Array<number>(layout.threads).fill(0);
  }

  /**
   * Copies the frame in `w` into the ring towards `to`; published at the next flush, or at once
   * with `publishNow` (replies: a crash later in the batch must not swallow a finished ask's answer).
   * Returns false (nothing written) when that ring is full.
   * @throws ShnError `MESSAGE_TOO_LARGE` if the frame exceeds the ring's largest frame (details: `bytes`, `limit`).
   */
  send(to: number, w: FrameWriter, publishNow = false): boolean {
    const ring = this.#out[to];
    if (!ring) throw new ShnError('INVALID_ARGUMENT', `no ring from thread ${this.self} to ${to}`);
    const len = w.pos;
    if (len > ring.maxFrameSize) throw tooLarge(len, ring.maxFrameSize);
    const off = ring.reserve(len);
    if (off < 0) {
      // Publish what is pending so the consumer can make room, then report full.
      this.flush();
      return false;
    }
    ring.bytes.set(w.bytes.subarray(0, len), off);
    ring.commit();
    if (publishNow || ++(this.#unpublished[to] as number) >= PUBLISH_EVERY) {
      this.#publish(to, ring);
      if (publishNow) return true;
    }
    this.#dirty[to] = true;
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(this.#flush);
    }
    return true;
  }

  /**
   * Encodes frame `f` straight into the ring towards `to`, reserving `maxBytes` (a worst case;
   * only what is written is kept): no copy through a staging buffer. Published like {@link send}.
   * Returns false (nothing written) when the ring has no room for `maxBytes` now.
   * @throws ShnError `MESSAGE_TOO_LARGE` if `maxBytes` exceeds the ring's largest frame (encode it
   * with {@link send} to learn its exact size), or the encoder's error (nothing is kept then).
   */
  sendInPlace(to: number, f: FrameFields, maxBytes: number): boolean {
    const ring = this.#out[to];
    if (!ring) throw new ShnError('INVALID_ARGUMENT', `no ring from thread ${this.self} to ${to}`);
    if (maxBytes > ring.maxFrameSize) throw tooLarge(maxBytes, ring.maxFrameSize);
    const off = ring.reserve(maxBytes);
    if (off < 0) {
      this.flush();
      return false;
    }
    const w = (this.#inPlace[to] ??= FrameWriter.over(ring.bytes));
    w.pos = off;
    w.end = off + maxBytes;
    writeFrame(w, f); // a throw abandons the reservation (the next reserve replaces it)
    ring.commit(w.pos - off);
    if (++(this.#unpublished[to] as number) >= PUBLISH_EVERY) this.#publish(to, ring);
    this.#dirty[to] = true;
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(this.#flush);
    }
    return true;
  }

  /** The largest frame, bytes, that the ring towards thread `to` carries (0 if there is none). */
  maxFrameSize(to: number): number {
    return this.#out[to]?.maxFrameSize ?? 0;
  }

  /** Publishes every ring written since the last flush and rings each target's doorbell once. */
  flush(): void {
    this.#flushScheduled = false;
    for (let t = 0; t < this.threads; t++) {
      if (!this.#dirty[t]) continue;
      this.#dirty[t] = false;
      this.#publish(t, this.#out[t] as SpscRing);
    }
  }

  /** Publishes the ring towards `to` and rings its doorbell (a load when its consumer is awake). */
  #publish(to: number, ring: SpscRing): void {
    this.#unpublished[to] = 0;
    if (ring.publish()) (this.#bells[to] as Doorbell).ring();
  }

  /** True if any inbound ring has a frame. */
  hasWork(): boolean {
    for (let t = 0; t < this.threads; t++) if (this.#in[t]?.hasData()) return true;
    return false;
  }

  /** Frames queued towards this thread, summed over its inbound rings. */
  inboundDepth(): number {
    let d = 0;
    for (let t = 0; t < this.threads; t++) d += this.#in[t]?.depth ?? 0;
    return d;
  }

  /**
   * Drains inbound rings into `handler` until {@link stop}: batches per ring, yields to the
   * event loop between batches so timers and I/O run, parks on the doorbell with
   * `Atomics.waitAsync` when idle (never `Atomics.wait`). `unref` lets the thread exit while parked.
   */
  async run(
    handler: FrameHandler,
    options: {
      unref?: boolean;
      onBatch?: () => void;
      parkTimeoutMs?: () => number | undefined;
      /** µs to poll before parking (default the Doorbell's); 0 parks at once, as when threads outnumber cores. */
      spinMicros?: number;
      /**
       * Adapt the polling to what it achieves: after {@link SPIN_FAILURES_BEFORE_PARKING} polls in a row
       * that found nothing (a loaded machine, where polling only steals the sender's core, or an idle
       * thread), park at once, and probe with one full poll every {@link SPIN_PROBE_EVERY} parks;
       * a poll that finds work restores polling. Decided per park, never per message.
       */
      adaptiveSpin?: boolean;
    } = {},
  ): Promise<void> {
    if (this.#running) throw new ShnError('INVALID_ARGUMENT', 'mesh endpoint is already running');
    this.#running = true;
    const hasWork = (): boolean => this.#stopped || this.hasWork();
    const bell = this.#bells[this.self] as Doorbell;
    const maxSpin = options.spinMicros ?? DOORBELL_DEFAULT_SPIN_MICROS;
    const adaptive = options.adaptiveSpin === true && maxSpin > 0;
    const unref = options.unref ?? false;
    let spin = maxSpin;
    let failures = 0;
    let parks = 0;
    try {
      while (!this.#stopped) {
        const did = this.pollOnce(handler);
        const blocked = did < 0;
        options.onBatch?.();
        if (this.#stopped) break;
        if (did > 0) await yieldToEventLoop();
        else if (blocked) await new Promise<void>((r) => this.#timer.setTimeout(r, 1));
        else {
          const timeoutMs = options.parkTimeoutMs?.();
          const spinMicros = spin > 0 || !adaptive ? spin : (++parks & (SPIN_PROBE_EVERY - 1)) === 0 ? maxSpin : 0;
          const reason = await bell.wait(hasWork, timeoutMs === undefined ? { unref, spinMicros } : { unref, timeoutMs, spinMicros });
          if (adaptive && spinMicros > 0) {
            if (reason === 'work') {
              spin = maxSpin;
              failures = 0;
            } else if (++failures >= SPIN_FAILURES_BEFORE_PARKING) {
              spin = 0;
              failures = 0;
            }
          }
        }
      }
    } finally {
      this.#running = false;
      this.flush();
    }
  }

  /**
   * Runs one pass over the inbound rings (up to 256 frames per ring) into `handler`, then
   * flushes. Returns the frames handled, or -1 if the handler left a frame in its ring
   * (back-pressure) and nothing was handled. {@link run} loops on it; a closing runtime calls it
   * once more after its shards stopped, so replies already in the rings are not lost.
   */
  pollOnce(handler: FrameHandler): number {
    let did = 0;
    let blocked = false;
    for (let t = 0; t < this.threads; t++) {
      const ring = this.#in[t];
      if (!ring) continue;
      let k = 0;
      for (; k < BATCH; k++) {
        const off = ring.peek();
        if (off < 0) break;
        if (!handler(t, ring.bytes, off, ring.frameLength, this.#begin[t] as () => void)) {
          blocked = true;
          break;
        }
        ring.consume();
      }
      if (k > 0) {
        ring.release();
        did += k;
      }
    }
    this.flush();
    return did === 0 && blocked ? -1 : did;
  }

  /** Wakes {@link run} if it is parked, so it runs one more batch (and its `onBatch`). */
  wake(): void {
    (this.#bells[this.self] as Doorbell).wake();
  }

  /** Makes {@link run} return after its current batch. */
  stop(): void {
    this.#stopped = true;
    (this.#bells[this.self] as Doorbell).wake();
  }
}

/** The error for a frame larger than a ring carries: names the size and the limit. */
export function tooLarge(bytes: number, limit: number): ShnError {
  return new ShnError(
    'MESSAGE_TOO_LARGE',
    `message of ${bytes} bytes exceeds the ring's ${limit}-byte frame limit (raise ringCapacity: the largest frame is about half of it)`,
    { details: { bytes, limit } },
  );
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

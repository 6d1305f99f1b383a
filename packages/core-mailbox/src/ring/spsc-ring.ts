/**
 * Single-producer single-consumer ring of variable-length byte frames in a SharedArrayBuffer.
 *
 * ## Fixed layout (version 1)
 *
 * All header words are unsigned 32-bit integers in native byte order (little-endian on every
 * platform Node supports), accessed with `Atomics` through a `Uint32Array`. Byte offsets:
 *
 * ```
 * cache line 0 (read-mostly, written at create time and by close())
 *     0  magic          0x524E4853 ("SHNR" read as little-endian bytes)
 *     4  version        1
 *     8  capacity       data bytes, a power of two in [2^10, 2^30]
 *    12  closed         0 = open, 1 = closed (a flag for mailboxes; the ring itself ignores it)
 * cache line 1 (written only by the producer)
 *    64  head           position after the last published frame
 *    68  publishedFrames count of published frames (wrapping)
 * cache line 2 (written only by the consumer, or by recoverConsumer after the consumer died)
 *   128  tail           position after the last released frame (the producer may reuse space below it)
 *   132  releasedFrames count of released frames (wrapping)
 * cache line 3 (written only by the consumer, or by recoverConsumer)
 *   192  cursor         the consumer's position; bit 0 set means "the frame at (cursor & ~1) is in flight"
 *   256  data region    `capacity` bytes
 * ```
 *
 * Positions are byte counts that wrap at 2^32; the data offset of a position is `position & (capacity - 1)`.
 * Because capacity <= 2^30, `(head - tail) >>> 0` is always the number of queued bytes.
 *
 * A frame starts at a 4-byte aligned offset: a u32 payload length, then the payload, then padding to the
 * next multiple of 4. A frame never straddles the end of the data region: when the bytes left before the
 * end cannot hold the next frame, the producer writes the wrap marker `0xFFFFFFFF` in place of a length
 * and the frame starts at offset 0 instead (the skipped bytes count as used until the consumer passes them).
 * The largest payload is `capacity / 2 - 4` bytes, which guarantees any frame fits in an empty ring.
 *
 * Memory ordering: the producer writes frame bytes with plain stores and then publishes with one
 * `Atomics.store` of `head`; the consumer reads `head` with `Atomics.load` before reading frame bytes.
 * Symmetrically for `tail`. Each side caches the other side's index and re-reads it only when its cached
 * copy says full (producer) or empty (consumer).
 */
import { ShnError } from '@shn/core';

/** The magic word at byte 0 of every ring buffer ("SHNR"). */
export const RING_MAGIC = 0x524e4853;
/** The layout version at byte 4 of every ring buffer. */
export const RING_VERSION = 1;
/** Size of the ring header in bytes; the data region starts here. */
export const RING_HEADER_BYTES = 256;
/** Smallest ring capacity in data bytes (1 KiB). */
export const RING_MIN_CAPACITY = 1024;
/** Largest ring capacity in data bytes (1 GiB). */
export const RING_MAX_CAPACITY = 2 ** 30;
/** Bytes of the length prefix in front of every frame. */
export const RING_FRAME_HEADER_BYTES = 4;
/** The length word that means "skip to offset 0". */
export const RING_WRAP_MARKER = 0xffffffff;

// Header word indices (Uint32Array over the header).
const W_MAGIC = 0;
const W_VERSION = 1;
const W_CAPACITY = 2;
const W_CLOSED = 3;
const W_HEAD = 16;
const W_PUBLISHED_FRAMES = 17;
const W_TAIL = 32;
const W_RELEASED_FRAMES = 33;
const W_CURSOR = 48;

const IN_FLIGHT_BIT = 1;

/** What {@link SpscRing.recoverConsumer} reports. */
export interface ConsumerRecovery {
  /** A copy of the payload that was in flight when the consumer died (now dropped), or `undefined`. */
  readonly lost: Uint8Array | undefined;
  /**
   * Frames the dead consumer had fully processed (consumed) but not yet released; they are dropped and
   * never redelivered. Does not count the lost frame.
   */
  readonly skippedFrames: number;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

function checkCapacity(capacity: unknown, where: string): asserts capacity is number {
  if (
    typeof capacity !== 'number' ||
    !Number.isInteger(capacity) ||
    capacity < RING_MIN_CAPACITY ||
    capacity > RING_MAX_CAPACITY ||
    !isPowerOfTwo(capacity)
  ) {
    throw new ShnError(
      'INVALID_ARGUMENT',
      `${where}: ring capacity must be a power of two in [${RING_MIN_CAPACITY}, ${RING_MAX_CAPACITY}] bytes, got ${String(capacity)}`,
    );
  }
}

/** Bytes a frame with `length` payload bytes occupies (length prefix + payload padded to 4). */
export function ringFrameBytes(length: number): number {
  return RING_FRAME_HEADER_BYTES + ((length + 3) & ~3);
}

/**
 * A lock-free single-producer single-consumer ring of variable-length byte frames over a
 * SharedArrayBuffer (see the layout at the top of this file).
 *
 * Exactly one thread may use the producer methods and exactly one thread the consumer methods at any
 * time; each thread holds its own `SpscRing` object over the same buffer ({@link SpscRing.attach}).
 * The hot path (`reserve`/`commit`/`publish`/`peek`/`consume`/`release`) allocates nothing.
 */
export class SpscRing {
  /** The shared buffer (header + data); send it to another thread and {@link SpscRing.attach} there. */
  readonly buffer: SharedArrayBuffer;
  /** Data bytes. */
  readonly capacity: number;
  /** Largest payload, in bytes, one frame may hold: `capacity / 2 - 4`. */
  readonly maxFrameSize: number;
  /** View over the data region; offsets returned by {@link reserve} and {@link peek} index into it. */
  readonly bytes: Uint8Array;
  /** DataView over the data region (same offsets as {@link bytes}). */
  readonly view: DataView;

  readonly #header: Uint32Array;
  readonly #words: Uint32Array;
  readonly #mask: number;

  // Producer-local state.
  #head: number; // position after the last committed frame
  #publishedHead: number;
  #frames: number; // committed frame count
  #tailCache: number;
  #reserved = false;
  #reservedAt = 0; // position of the wrap marker (if any) or the frame header
  #reservedStart = 0; // position of the frame header
  #reservedLength = 0;

  // Consumer-local state.
  #pos: number; // consumer position (next frame or wrap marker)
  #consumedFrames: number;
  #headCache: number;
  #peeked = false;
  #frameLength = 0;

  private constructor(buffer: SharedArrayBuffer, capacity: number) {
    this.buffer = buffer;
    this.capacity = capacity;
    this.maxFrameSize = capacity / 2 - RING_FRAME_HEADER_BYTES;
    this.#mask = capacity - 1;
    this.#header = new Uint32Array(buffer, 0, RING_HEADER_BYTES / 4);
    this.#words = new Uint32Array(buffer, RING_HEADER_BYTES, capacity / 4);
    this.bytes = new Uint8Array(buffer, RING_HEADER_BYTES, capacity);
    this.view = new DataView(buffer, RING_HEADER_BYTES, capacity);
    const h = this.#header;
    this.#head = Atomics.load(h, W_HEAD);
    this.#publishedHead = this.#head;
    this.#frames = Atomics.load(h, W_PUBLISHED_FRAMES);
    this.#tailCache = Atomics.load(h, W_TAIL);
    this.#pos = Atomics.load(h, W_TAIL);
    this.#consumedFrames = Atomics.load(h, W_RELEASED_FRAMES);
    this.#headCache = this.#head;
  }

  /**
   * Creates a new, empty ring.
   * @param capacity - data bytes; a power of two in [1024, 2^30].
   * @throws ShnError `INVALID_ARGUMENT` if `capacity` is not such a power of two.
   */
  static create(capacity: number): SpscRing {
    checkCapacity(capacity, 'SpscRing.create');
    const buffer = new SharedArrayBuffer(RING_HEADER_BYTES + capacity);
    const header = new Uint32Array(buffer, 0, RING_HEADER_BYTES / 4);
    header[W_VERSION] = RING_VERSION;
    header[W_CAPACITY] = capacity;
    Atomics.store(header, W_MAGIC, RING_MAGIC);
    return new SpscRing(buffer, capacity);
  }

  /**
   * Attaches to a ring created elsewhere (for example another thread received `ring.buffer`).
   * The new object's consumer side starts at the published `tail` and its producer side at `head`.
   * @throws ShnError `INVALID_ARGUMENT` if `buffer` is not a SharedArrayBuffer holding a valid ring header
   * (magic, version, power-of-two capacity matching the buffer size, consistent indices).
   */
  static attach(buffer: SharedArrayBuffer): SpscRing {
    if (!(buffer instanceof SharedArrayBuffer)) {
      throw new ShnError('INVALID_ARGUMENT', 'SpscRing.attach: expected a SharedArrayBuffer');
    }
    if (buffer.byteLength < RING_HEADER_BYTES + RING_MIN_CAPACITY) {
      throw new ShnError('INVALID_ARGUMENT', `SpscRing.attach: buffer too small (${buffer.byteLength} bytes)`);
    }
    const header = new Uint32Array(buffer, 0, RING_HEADER_BYTES / 4);
    const magic = Atomics.load(header, W_MAGIC);
    if (magic !== RING_MAGIC) {
      throw new ShnError('INVALID_ARGUMENT', `SpscRing.attach: bad magic 0x${magic.toString(16)}`);
    }
    const version = Atomics.load(header, W_VERSION);
    if (version !== RING_VERSION) {
      throw new ShnError('INVALID_ARGUMENT', `SpscRing.attach: unsupported ring version ${version}`);
    }
    const capacity = Atomics.load(header, W_CAPACITY);
    checkCapacity(capacity, 'SpscRing.attach');
    if (buffer.byteLength !== RING_HEADER_BYTES + capacity) {
      throw new ShnError(
        'INVALID_ARGUMENT',
        `SpscRing.attach: buffer is ${buffer.byteLength} bytes but the header says ${RING_HEADER_BYTES + capacity}`,
      );
    }
    const head = Atomics.load(header, W_HEAD);
    const tail = Atomics.load(header, W_TAIL);
    const cursor = Atomics.load(header, W_CURSOR) & ~IN_FLIGHT_BIT;
    const used = (head - tail) >>> 0;
    if (used > capacity || (cursor - tail) >>> 0 > used || ((head | tail | cursor) & 3) !== 0) {
      throw new ShnError('INVALID_ARGUMENT', 'SpscRing.attach: inconsistent head/tail/cursor in the ring header');
    }
    return new SpscRing(buffer, capacity);
  }

  // ---------------------------------------------------------------- producer side

  /**
   * Reserves room for a frame of `length` payload bytes, contiguous in {@link bytes}.
   * A later `reserve` before {@link commit} abandons the earlier reservation.
   * @param length - payload bytes, an integer in [0, maxFrameSize].
   * @returns the data offset where the payload goes, or -1 if there is no room right now (nothing changes).
   * @throws ShnError `INVALID_ARGUMENT` if `length` is negative, not an integer or above {@link maxFrameSize}.
   */
  reserve(length: number): number {
    if (!Number.isInteger(length) || length < 0 || length > this.maxFrameSize) {
      throw new ShnError(
        'INVALID_ARGUMENT',
        `SpscRing.reserve: length must be an integer in [0, ${this.maxFrameSize}], got ${String(length)}`,
      );
    }
    const frame = RING_FRAME_HEADER_BYTES + ((length + 3) & ~3);
    const head = this.#head;
    const offset = head & this.#mask;
    const untilEnd = this.capacity - offset;
    const skip = untilEnd < frame ? untilEnd : 0;
    const need = skip + frame;
    if (need > this.capacity - ((head - this.#tailCache) >>> 0)) {
      this.#tailCache = Atomics.load(this.#header, W_TAIL);
      if (need > this.capacity - ((head - this.#tailCache) >>> 0)) return -1;
    }
    const start = (head + skip) >>> 0;
    this.#reserved = true;
    this.#reservedAt = head;
    this.#reservedStart = start;
    this.#reservedLength = length;
    return (start & this.#mask) + RING_FRAME_HEADER_BYTES;
  }

  /**
   * Finishes the frame last reserved (its payload must be written by now). The frame is not visible to
   * the consumer until {@link publish}.
   * @param length - the payload bytes actually written, at most the reserved length (default: all of
   *   it). Lets a producer reserve a worst case (e.g. 3 bytes per UTF-16 unit), encode straight into the
   *   ring, and keep only what it wrote.
   * @throws ShnError `INVALID_ARGUMENT` if there is no pending reservation or `length` is out of range.
   */
  commit(length: number = this.#reservedLength): void {
    if (!this.#reserved) throw new ShnError('INVALID_ARGUMENT', 'SpscRing.commit: no pending reserve()');
    if (length !== this.#reservedLength && (!Number.isInteger(length) || length < 0 || length > this.#reservedLength)) {
      throw new ShnError('INVALID_ARGUMENT', `SpscRing.commit: length must be an integer in [0, ${this.#reservedLength}], got ${String(length)}`);
    }
    this.#reserved = false;
    const start = this.#reservedStart;
    if (start !== this.#reservedAt) this.#words[(this.#reservedAt & this.#mask) >>> 2] = RING_WRAP_MARKER;
    this.#words[(start & this.#mask) >>> 2] = length;
    this.#head = (start + RING_FRAME_HEADER_BYTES + ((length + 3) & ~3)) >>> 0;
    this.#frames = (this.#frames + 1) >>> 0;
  }

  /**
   * Makes every committed frame visible to the consumer (one `Atomics.store` of head, plus the frame counter).
   * @returns true if anything new was published.
   */
  publish(): boolean {
    if (this.#head === this.#publishedHead) return false;
    Atomics.store(this.#header, W_PUBLISHED_FRAMES, this.#frames);
    Atomics.store(this.#header, W_HEAD, this.#head);
    this.#publishedHead = this.#head;
    return true;
  }

  /**
   * Convenience for reserve + copy + commit + publish (allocates nothing).
   * @returns false when there is no room right now (nothing is written).
   * @throws ShnError `INVALID_ARGUMENT` if `payload` is not a Uint8Array or is longer than {@link maxFrameSize}.
   */
  tryWrite(payload: Uint8Array): boolean {
    if (!(payload instanceof Uint8Array)) {
      throw new ShnError('INVALID_ARGUMENT', 'SpscRing.tryWrite: payload must be a Uint8Array');
    }
    const at = this.reserve(payload.length);
    if (at < 0) return false;
    this.bytes.set(payload, at);
    this.commit();
    this.publish();
    return true;
  }

  // ---------------------------------------------------------------- consumer side

  /**
   * Finds the next frame. Re-reads the producer's head only when the cached copy says empty.
   * Calling it again without {@link consume} returns the same frame.
   * @returns the data offset of the next frame's payload (its length is {@link frameLength}), or -1 if empty.
   * @throws ShnError `DECODE_FAILED` if the ring holds a corrupt length word.
   */
  peek(): number {
    let pos = this.#pos;
    if (pos === this.#headCache) {
      this.#headCache = Atomics.load(this.#header, W_HEAD);
      if (pos === this.#headCache) return -1;
    }
    let offset = pos & this.#mask;
    let length = this.#words[offset >>> 2] as number;
    if (length === RING_WRAP_MARKER) {
      pos = (pos + this.capacity - offset) >>> 0;
      this.#pos = pos;
      // Keep the shared cursor equal to the consumer position so tail <= cursor always holds.
      Atomics.store(this.#header, W_CURSOR, pos);
      if (pos === this.#headCache) return -1; // never happens with a well-behaved producer
      offset = 0;
      length = this.#words[0] as number;
    }
    if (length > this.maxFrameSize) {
      throw new ShnError('DECODE_FAILED', `SpscRing.peek: corrupt frame length ${length} at offset ${offset}`);
    }
    this.#peeked = true;
    this.#frameLength = length;
    return offset + RING_FRAME_HEADER_BYTES;
  }

  /** Payload length, in bytes, of the frame returned by the last successful {@link peek}. */
  get frameLength(): number {
    return this.#frameLength;
  }

  /**
   * Marks the peeked frame as in flight in the shared header, so {@link recoverConsumer} can report it if
   * this thread dies before {@link consume}.
   * @throws ShnError `INVALID_ARGUMENT` if no frame is peeked.
   */
  beginFrame(): void {
    if (!this.#peeked) throw new ShnError('INVALID_ARGUMENT', 'SpscRing.beginFrame: no frame peeked');
    Atomics.store(this.#header, W_CURSOR, this.#pos | IN_FLIGHT_BIT);
  }

  /**
   * Moves past the peeked frame and records it as processed in the shared header (clearing in-flight).
   * The space is reused by the producer only after {@link release}.
   * @throws ShnError `INVALID_ARGUMENT` if no frame is peeked.
   */
  consume(): void {
    if (!this.#peeked) throw new ShnError('INVALID_ARGUMENT', 'SpscRing.consume: no frame peeked');
    this.#peeked = false;
    const pos = (this.#pos + RING_FRAME_HEADER_BYTES + ((this.#frameLength + 3) & ~3)) >>> 0;
    this.#pos = pos;
    this.#consumedFrames = (this.#consumedFrames + 1) >>> 0;
    Atomics.store(this.#header, W_CURSOR, pos);
  }

  /**
   * Publishes the consumer position (`Atomics.store` of tail) so the producer can reuse the space. Call per batch.
   * (The released-frame counter is stored just before tail; a thread terminated between the two stores leaves
   * only the {@link depth} gauge off by that batch, never the data.)
   */
  release(): void {
    Atomics.store(this.#header, W_RELEASED_FRAMES, this.#consumedFrames);
    Atomics.store(this.#header, W_TAIL, this.#pos);
  }

  /**
   * Convenience for peek + copy + consume + release.
   * @returns a copy of the next payload, or `undefined` when empty.
   * @throws ShnError `DECODE_FAILED` if the ring is corrupt.
   */
  tryRead(): Uint8Array | undefined {
    const at = this.peek();
    if (at < 0) return undefined;
    const copy = this.bytes.slice(at, at + this.#frameLength);
    this.consume();
    this.release();
    return copy;
  }

  // ---------------------------------------------------------------- any thread

  /** Bytes currently queued, including wrap padding: published head - published tail. A cheap gauge. */
  get usedBytes(): number {
    return (Atomics.load(this.#header, W_HEAD) - Atomics.load(this.#header, W_TAIL)) >>> 0;
  }

  /** Frames published and not yet released. A cheap gauge for mailbox depth. */
  get depth(): number {
    const released = Atomics.load(this.#header, W_RELEASED_FRAMES);
    return (Atomics.load(this.#header, W_PUBLISHED_FRAMES) - released) >>> 0;
  }

  /**
   * True if the consumer would find a frame: the published head differs from the consumer's shared
   * cursor (a frame that is in flight still counts). Two seq-cst loads; safe as a doorbell `hasWork`.
   */
  hasData(): boolean {
    const cursor = (Atomics.load(this.#header, W_CURSOR) & ~IN_FLIGHT_BIT) >>> 0;
    return Atomics.load(this.#header, W_HEAD) !== cursor;
  }

  /** True once {@link close} was called on any object over this buffer. */
  get closed(): boolean {
    return Atomics.load(this.#header, W_CLOSED) !== 0;
  }

  /**
   * Sets the shared closed flag (seen by every object over this buffer). The ring itself keeps working;
   * {@link RingMailbox} uses the flag to refuse offers.
   */
  close(): void {
    Atomics.store(this.#header, W_CLOSED, 1);
  }

  /**
   * Crash recovery. Call from a supervising thread after the consumer thread died and before a new
   * consumer attaches. Frames the dead consumer consumed are dropped (never redelivered: at-most-once);
   * the frame in flight (beginFrame without consume) is dropped and returned as a copy so the loss can be
   * reported; frames behind it stay queued. Also resets this object's consumer side to the new position.
   * @throws ShnError `DECODE_FAILED` if the shared consumer words are inconsistent with the ring.
   */
  recoverConsumer(): ConsumerRecovery {
    const h = this.#header;
    const tail = Atomics.load(h, W_TAIL);
    const head = Atomics.load(h, W_HEAD);
    const cursorWord = Atomics.load(h, W_CURSOR);
    const inFlight = (cursorWord & IN_FLIGHT_BIT) !== 0;
    const cursor = (cursorWord & ~IN_FLIGHT_BIT) >>> 0;
    const distance = (cursor - tail) >>> 0;
    if (distance > ((head - tail) >>> 0)) {
      throw new ShnError('DECODE_FAILED', 'SpscRing.recoverConsumer: consumer cursor lies outside the queued bytes');
    }
    let pos = tail;
    let skipped = 0;
    while (pos !== cursor) {
      const offset = pos & this.#mask;
      const length = this.#words[offset >>> 2] as number;
      if (length === RING_WRAP_MARKER) {
        pos = (pos + this.capacity - offset) >>> 0;
        continue;
      }
      pos = (pos + ringFrameBytes(this.#checkedLength(length, offset))) >>> 0;
      skipped++;
      if (((pos - tail) >>> 0) > distance) {
        throw new ShnError('DECODE_FAILED', 'SpscRing.recoverConsumer: frames do not end at the consumer cursor');
      }
    }
    let lost: Uint8Array | undefined;
    let droppedFrames = skipped;
    if (inFlight && pos !== head) {
      let offset = pos & this.#mask;
      let length = this.#words[offset >>> 2] as number;
      if (length === RING_WRAP_MARKER) {
        pos = (pos + this.capacity - offset) >>> 0;
        offset = 0;
        length = this.#words[0] as number;
      }
      length = this.#checkedLength(length, offset);
      lost = this.bytes.slice(offset + RING_FRAME_HEADER_BYTES, offset + RING_FRAME_HEADER_BYTES + length);
      pos = (pos + ringFrameBytes(length)) >>> 0;
      droppedFrames++;
    }
    const released = (Atomics.load(h, W_RELEASED_FRAMES) + droppedFrames) >>> 0;
    Atomics.store(h, W_CURSOR, pos);
    Atomics.store(h, W_RELEASED_FRAMES, released);
    Atomics.store(h, W_TAIL, pos);
    this.#pos = pos;
    this.#consumedFrames = released;
    this.#peeked = false;
    return { lost, skippedFrames: skipped };
  }

  #checkedLength(length: number, offset: number): number {
    if (length > this.maxFrameSize) {
      throw new ShnError('DECODE_FAILED', `SpscRing: corrupt frame length ${length} at offset ${offset}`);
    }
    return length;
  }
}

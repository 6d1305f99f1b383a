import { ShnError } from '@shn/core';

/**
 * Which messages a shard has taken off its rings but not finished, kept in shared memory so the
 * main thread can report exactly those as lost when the shard thread dies.
 *
 * Layout: one 128-byte record per slot:
 * ```
 * int32[0] state        1 = in use
 * int32[1] sender       sending thread
 * int32[2] correlation  ask correlation id (0 for tells)
 * int32[3] kind         frame kind
 * int32[4] typeLength   bytes of `type` kept (truncated to 40)
 * int32[5] actorLength  bytes of `kind/id` kept (truncated to 64)
 * bytes[24..64)         type (ASCII; other characters kept as '?')
 * bytes[64..128)        actor
 * ```
 * A shard stops taking frames when every slot is in use (that is its in-flight bound).
 */
export const JOURNAL_SLOT_BYTES = 128;
const TYPE_AT = 24;
const TYPE_MAX = 40;
const ACTOR_AT = 64;
const ACTOR_MAX = 64;

/** One message that was taken but not finished. */
export interface JournalEntry {
  readonly sender: number;
  readonly correlation: number;
  readonly kind: number;
  /** The message type (possibly truncated). */
  readonly type: string;
  /** The target `kind/id` (possibly truncated). */
  readonly actor: string;
}

export class InflightJournal {
  readonly buffer: SharedArrayBuffer;
  readonly slots: number;
  readonly #words: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #free: number[] = [];

  /** A new journal with `slots` records (1..65536). */
  static create(slots: number): InflightJournal {
    if (!Number.isInteger(slots) || slots < 1 || slots > 65536) {
      throw new ShnError('INVALID_ARGUMENT', `journal slots must be in [1, 65536], got ${String(slots)}`);
    }
    return new InflightJournal(new SharedArrayBuffer(slots * JOURNAL_SLOT_BYTES));
  }

  /** Attaches to a journal buffer; slots already in use stay in use (the supervisor clears them). */
  constructor(buffer: SharedArrayBuffer) {
    if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength === 0 || buffer.byteLength % JOURNAL_SLOT_BYTES !== 0) {
      throw new ShnError('INVALID_ARGUMENT', 'not a journal buffer');
    }
    this.buffer = buffer;
    this.#words = new Int32Array(buffer);
    this.#bytes = new Uint8Array(buffer);
    this.slots = buffer.byteLength / JOURNAL_SLOT_BYTES;
    for (let i = this.slots - 1; i >= 0; i--) if (Atomics.load(this.#words, (i * JOURNAL_SLOT_BYTES) / 4) === 0) this.#free.push(i);
  }

  /** Records a taken message; returns its slot, or -1 when the journal is full (stop taking). */
  take(sender: number, correlation: number, kind: number, type: string, actor: string): number {
    const slot = this.#free.pop();
    if (slot === undefined) return -1;
    const base = slot * JOURNAL_SLOT_BYTES;
    const w = base / 4;
    this.#words[w + 1] = sender;
    this.#words[w + 2] = correlation | 0;
    this.#words[w + 3] = kind;
    this.#words[w + 4] = this.#ascii(type, base + TYPE_AT, TYPE_MAX);
    this.#words[w + 5] = this.#ascii(actor, base + ACTOR_AT, ACTOR_MAX);
    Atomics.store(this.#words, w, 1);
    return slot;
  }

  #ascii(s: string, at: number, max: number): number {
    const n = s.length < max ? s.length : max;
    const b = this.#bytes;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      b[at + i] = c < 0x80 ? c : 0x3f;
    }
    return n;
  }

  /** Marks a slot's message finished. */
  done(slot: number): void {
    Atomics.store(this.#words, (slot * JOURNAL_SLOT_BYTES) / 4, 0);
    this.#free.push(slot);
  }

  /** Slots in use. */
  get inUse(): number {
    return this.slots - this.#free.length;
  }

  /** For the supervisor after the owner died: the unfinished entries; clears them all. */
  static drainLost(buffer: SharedArrayBuffer): JournalEntry[] {
    const words = new Int32Array(buffer);
    const bytes = new Uint8Array(buffer);
    const text = (at: number, n: number): string => String.fromCharCode(...bytes.subarray(at, at + Math.max(0, Math.min(n, 64))));
    const out: JournalEntry[] = [];
    for (let base = 0; base < buffer.byteLength; base += JOURNAL_SLOT_BYTES) {
      const w = base / 4;
      if (Atomics.load(words, w) !== 1) continue;
      out.push({
        sender: words[w + 1] as number,
        correlation: (words[w + 2] as number) >>> 0,
        kind: words[w + 3] as number,
        type: text(base + TYPE_AT, words[w + 4] as number),
        actor: text(base + ACTOR_AT, words[w + 5] as number),
      });
      Atomics.store(words, w, 0);
    }
    return out;
  }
}

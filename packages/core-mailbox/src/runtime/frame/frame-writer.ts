import { ShnError, isWellFormedUtf16 } from '@shn/core';

const encoder = new TextEncoder();
/** Set in a string's length word: the string follows as UTF-16 code units (it has a lone surrogate). */
export const STR_UTF16_FLAG = 0x80000000;
/**
 * Set in a string's length word (without STR_UTF16_FLAG): every byte of the string is below 0x80, so
 * the reader decodes it as one-byte text without checking each byte first.
 */
export const STR_ASCII_FLAG = 0x40000000;

/**
 * A growable, reusable byte buffer for encoding frames without per-message allocation:
 * one instance per thread, `reset()` before each frame.
 */
export class FrameWriter {
  bytes: Uint8Array;
  view: DataView;
  pos = 0;
  /** Writes must stay below this offset: the buffer's length, or the end of a ring reservation. */
  end: number;
  /** Largest size the buffer may grow to, bytes. */
  readonly limit: number;
  /** Writes straight into a ring's data region (see {@link FrameWriter.over}); never grows. */
  #fixed = false;

  constructor(initial = 4096, limit = 64 * 1024 * 1024) {
    this.bytes = new Uint8Array(initial);
    this.view = new DataView(this.bytes.buffer);
    this.limit = limit;
    this.end = initial;
  }

  /**
   * A writer over `bytes` (a ring's data region) that never grows: set `pos` and `end` to a
   * reservation, encode, and commit `pos - start` bytes. A write past `end` throws `INTERNAL`
   * (the caller's worst-case size was wrong); nothing is written beyond `end`.
   */
  static over(bytes: Uint8Array): FrameWriter {
    const w = new FrameWriter(0);
    w.bytes = bytes;
    w.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    w.end = 0;
    w.#fixed = true;
    return w;
  }

  reset(): void {
    this.pos = 0;
  }

  /** Makes room for `n` more bytes. Throws `MESSAGE_TOO_LARGE` past {@link limit}. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.end) return;
    if (this.#fixed) throw new ShnError('INTERNAL', `frame writer over a ring reservation overflowed (${need} > ${this.end})`);
    if (need > this.limit) {
      throw new ShnError('MESSAGE_TOO_LARGE', `frame of at least ${need} bytes exceeds the encoder's ${this.limit}-byte limit`, {
        details: { bytes: need, limit: this.limit },
      });
    }
    let size = Math.max(this.bytes.length * 2, 64);
    while (size < need) size *= 2;
    const next = new Uint8Array(Math.min(size, this.limit));
    next.set(this.bytes.subarray(0, this.pos));
    this.bytes = next;
    this.view = new DataView(next.buffer);
    this.end = next.length;
  }

  u8(v: number): void {
    this.ensure(1);
    this.bytes[this.pos++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  i32(v: number): void {
    this.ensure(4);
    this.view.setInt32(this.pos, v, true);
    this.pos += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /**
   * Writes a u32 byte length then the UTF-8 bytes of `s`, with STR_ASCII_FLAG set in the length
   * word when every byte is ASCII. A string with a lone surrogate, which UTF-8 cannot carry, is
   * written as its UTF-16 code units instead, with STR_UTF16_FLAG set in the length word (then a
   * count of code units), so every string arrives unchanged. Lengths stay below 2^30 (the
   * writer's limit is far lower).
   */
  str(s: string): void {
    const n = s.length;
    // ASCII fast path: one byte per char, no encoder call for short strings.
    if (n < 64) {
      this.ensure(4 + n);
      const start = this.pos + 4;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        this.bytes[start + i] = c;
      }
      if (i === n) {
        this.view.setUint32(this.pos, (STR_ASCII_FLAG | n) >>> 0, true);
        this.pos = start + n;
        return;
      }
    }
    if (!isWellFormedUtf16(s)) {
      this.#utf16(s);
      return;
    }
    this.ensure(4 + n * 3);
    const { written } = encoder.encodeInto(s, this.bytes.subarray(this.pos + 4));
    // As many bytes as UTF-16 units: every unit was ASCII (anything else takes 2 or 3 bytes).
    this.view.setUint32(this.pos, written === n ? (STR_ASCII_FLAG | written) >>> 0 : written, true);
    this.pos += 4 + written;
  }

  #utf16(s: string): void {
    const n = s.length;
    if (n >= STR_UTF16_FLAG) throw new ShnError('ENCODE_FAILED', `string of ${n} code units is too long`);
    this.ensure(4 + 2 * n);
    this.view.setUint32(this.pos, (STR_UTF16_FLAG | n) >>> 0, true);
    let p = this.pos + 4;
    for (let i = 0; i < n; i++, p += 2) this.view.setUint16(p, s.charCodeAt(i), true);
    this.pos = p;
  }

  /** Writes a u32 length then the bytes. */
  blob(b: Uint8Array): void {
    this.ensure(4 + b.length);
    this.view.setUint32(this.pos, b.length, true);
    this.bytes.set(b, this.pos + 4);
    this.pos += 4 + b.length;
  }

  /** The encoded bytes so far (a view; copy before the next reset if you keep it). */
  view8(): Uint8Array {
    return this.bytes.subarray(0, this.pos);
  }
}

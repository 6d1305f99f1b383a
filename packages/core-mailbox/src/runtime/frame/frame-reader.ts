import { ShnError } from '@shn/core';
import { STR_ASCII_FLAG, STR_UTF16_FLAG } from './frame-writer.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

type Slice = (this: Buffer, start: number, end: number) => string;
const proto = Buffer.prototype as unknown as { latin1Slice?: Slice };
/** Node's native one-byte decoder without `toString`'s argument handling. */
const latin1Slice: Slice =
  proto.latin1Slice ??
  function (this: Buffer, start: number, end: number): string {
    return this.toString('latin1', start, end);
  };

/** ASCII strings up to this many bytes are interned (message types, property names, kinds). */
const INTERN_MAX_BYTES = 12;
const INTERN_SLOTS = 1024;
/**
 * A direct-mapped cache of short ASCII strings decoded before, shared by every reader of the
 * thread. Frames repeat the same short strings (message types, body property names, actor
 * kinds) many times a second: returning the string decoded last time skips an allocation per
 * string, and lets V8 reuse its internalized copy when the string is a property name. A slot is
 * only reused after its bytes are compared, so a collision costs a decode, never a wrong string.
 */
const interned: (string | undefined)[] = new Array<string | undefined>(INTERN_SLOTS).fill(undefined);

/**
 * A bounds-checked cursor over bytes (typically a ring's data region). Every read past
 * `end` throws `DECODE_FAILED`; nothing here throws anything else.
 */
export class FrameReader {
  bytes: Uint8Array;
  view: DataView;
  /** A Buffer over the same memory, for native decoding. */
  buf: Buffer;
  pos = 0;
  end = 0;

  constructor(bytes: Uint8Array = new Uint8Array(0)) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.end = bytes.length;
  }

  /** Points the reader at `[offset, offset + length)` of `bytes` (reusing the DataView when the buffer is the same). */
  reset(bytes: Uint8Array, offset: number, length: number): void {
    if (bytes !== this.bytes) {
      this.bytes = bytes;
      this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    this.pos = offset;
    this.end = offset + length;
  }

  need(n: number): void {
    if (this.pos + n > this.end) {
      throw new ShnError('DECODE_FAILED', `truncated frame: need ${n} bytes at ${this.pos}, have ${this.end - this.pos}`);
    }
  }

  u8(): number {
    this.need(1);
    return this.bytes[this.pos++] as number;
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /**
   * Reads a string written by `FrameWriter.str`: UTF-8, or one-byte text when the length word has
   * STR_ASCII_FLAG, or UTF-16 code units when it has STR_UTF16_FLAG. A word that claims ASCII over
   * bytes at or above 0x80 (a corrupt frame) reads them as U+0080..U+00FF, never throws for it.
   */
  str(): string {
    const word = this.u32();
    if (word >= STR_UTF16_FLAG) return this.#utf16(word - STR_UTF16_FLAG);
    if (word < STR_ASCII_FLAG) {
      // Not ASCII by the writer's word: the strict UTF-8 decoder.
      this.need(word);
      const start = this.pos;
      this.pos += word;
      return this.#utf8(start, word);
    }
    const n = word - STR_ASCII_FLAG;
    this.need(n);
    const start = this.pos;
    this.pos += n;
    if (n > INTERN_MAX_BYTES) return latin1Slice.call(this.buf, start, start + n);
    const b = this.bytes;
    let h = n;
    for (let i = 0; i < n; i++) h = (Math.imul(h, 31) + (b[start + i] as number)) | 0;
    const slot = h & (INTERN_SLOTS - 1);
    const cached = interned[slot];
    if (cached !== undefined && cached.length === n) {
      let same = true;
      for (let i = 0; i < n; i++) {
        if (cached.charCodeAt(i) !== b[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return cached;
    }
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(b[start + i] as number);
    interned[slot] = s;
    return s;
  }

  #utf16(units: number): string {
    if (units > (this.end - this.pos) / 2) throw new ShnError('DECODE_FAILED', 'UTF-16 string length exceeds frame');
    let out = '';
    const chunk: number[] = [];
    for (let i = 0; i < units; i++, this.pos += 2) {
      chunk.push(this.view.getUint16(this.pos, true));
      if (chunk.length === 4096) {
        out += String.fromCharCode(...chunk);
        chunk.length = 0;
      }
    }
    return out + String.fromCharCode(...chunk);
  }

  #utf8(start: number, n: number): string {
    try {
      // TextDecoder cannot read a SharedArrayBuffer view directly; copy small slices.
      const src = this.bytes.subarray(start, start + n);
      return decoder.decode(src.buffer instanceof SharedArrayBuffer ? src.slice() : src);
    } catch (cause) {
      throw new ShnError('DECODE_FAILED', 'invalid UTF-8 in frame', { cause });
    }
  }

  /** A copy of the next length-prefixed blob. */
  blob(): Uint8Array {
    const n = this.u32();
    this.need(n);
    const out = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

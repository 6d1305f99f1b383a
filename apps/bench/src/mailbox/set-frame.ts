import { ShnError } from '@shn/core';
import type { SetMessage } from './set-message.js';

/**
 * The bench's compact ring frame for a set message (a documented fixed layout, little-endian):
 *
 * ```
 * 0  u8   kind        FRAME_SET / FRAME_SET_ECHO / FRAME_SYNC
 * 1  u8   typeBytes   UTF-8 length of `type` (<= 255)
 * 2  u16  keyBytes    UTF-8 length of `key`  (<= 65535)
 * 4  u16  valueBytes  UTF-8 length of `value` (<= 65535)
 * 6  u8   flags       bit 0 (FLAG_ASCII): every key and value byte is below 0x80
 * 7  u8   reserved    0
 * 8  ...  key bytes, zero padding to a multiple of 4, value bytes, type bytes
 * ```
 *
 * Key and value start 4-byte aligned (frames start aligned in an SpscRing), so the writer can
 * store ASCII text four characters per 32-bit store, and the reader decodes an ASCII key and
 * value with one native Latin-1 call (a plain byte copy into a one-byte string, no UTF-8 validation).
 */
export const SET_FRAME_HEADER_BYTES = 8;
/** A set message: count it. */
export const FRAME_SET = 1;
/** A set message the consumer must send back (round-trip measurements). */
export const FRAME_SET_ECHO = 2;
/** No payload: the consumer reports how many set frames it has received so far. */
export const FRAME_SYNC = 3;
/** Flags bit: key and value are ASCII (one byte per UTF-16 unit, all below 0x80). */
export const FLAG_ASCII = 1;

const MAX_TYPE_BYTES = 0xff;
const MAX_STRING_BYTES = 0xffff;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** `n` rounded up to a multiple of 4. */
function pad4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * Writes `s` as ASCII at `at`, four characters per 32-bit store when `words` is set (little-endian
 * memory, `at` 4-byte aligned; the last partial word is stored whole, zero-filled), else a byte
 * loop. Returns the bytes written (`s.length`), or -1 at the first unit above 0x7f (the bytes
 * already stored are then garbage for the caller to overwrite). The caller reserved
 * `pad4(s.length)` bytes at least.
 */
function writeAscii(bytes: Uint8Array, words: Uint32Array | undefined, s: string, at: number): number {
  const n = s.length;
  if (words !== undefined) {
    let w = at >>> 2;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const a = s.charCodeAt(i);
      const b = s.charCodeAt(i + 1);
      const c = s.charCodeAt(i + 2);
      const d = s.charCodeAt(i + 3);
      if ((a | b | c | d) > 0x7f) return -1;
      words[w++] = a | (b << 8) | (c << 16) | (d << 24);
    }
    if (i < n) {
      let word = 0;
      for (let shift = 0; i < n; i++, shift += 8) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) return -1;
        word |= c << shift;
      }
      words[w] = word;
    }
    return n;
  }
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return -1;
    bytes[at + i] = c;
  }
  return n;
}

/**
 * Encodes set messages straight into ring memory with no per-message allocation: the producer
 * reserves {@link SetFrameWriter.maxLength} bytes (the UTF-8 worst case, 3 bytes per UTF-16
 * unit, plus padding), {@link SetFrameWriter.write} stores the frame and returns its real length,
 * and the producer commits that many bytes (`SpscRing.commit(length)`). ASCII text (the usual
 * case) goes four characters per 32-bit store; anything else through Node's native UTF-8
 * encoder (`Buffer#utf8Write`). The type's bytes are cached while the type stays the same.
 */
export class SetFrameWriter {
  private lastBytes: Uint8Array | undefined;
  private buf: Buffer = Buffer.alloc(0);
  private words: Uint32Array | undefined;
  private lastType: string | undefined;
  private typeBytes: Buffer = Buffer.alloc(0);

  /** Upper bound of the frame length for `msg`. Throws ShnError ENCODE_FAILED past the header's limits. */
  maxLength(msg: SetMessage): number {
    if (msg.type !== this.lastType) {
      const t = Buffer.from(msg.type, 'utf8');
      if (t.length > MAX_TYPE_BYTES) throw new ShnError('ENCODE_FAILED', `set frame: type longer than ${MAX_TYPE_BYTES} UTF-8 bytes`);
      this.typeBytes = t;
      this.lastType = msg.type;
    }
    if (msg.key.length * 3 > MAX_STRING_BYTES && Buffer.byteLength(msg.key) > MAX_STRING_BYTES) {
      throw new ShnError('ENCODE_FAILED', `set frame: key longer than ${MAX_STRING_BYTES} UTF-8 bytes`);
    }
    if (msg.value.length * 3 > MAX_STRING_BYTES && Buffer.byteLength(msg.value) > MAX_STRING_BYTES) {
      throw new ShnError('ENCODE_FAILED', `set frame: value longer than ${MAX_STRING_BYTES} UTF-8 bytes`);
    }
    return SET_FRAME_HEADER_BYTES + pad4(3 * msg.key.length) + pad4(3 * msg.value.length) + this.typeBytes.length;
  }

  /** Writes the frame for `msg` (after {@link maxLength}, with that much room) at `offset`; returns its real length. */
  write(bytes: Uint8Array, view: DataView, offset: number, kind: number, msg: SetMessage): number {
    if (this.lastBytes !== bytes) {
      this.lastBytes = bytes;
      this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      this.words = LITTLE_ENDIAN && (bytes.byteOffset & 3) === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2) : undefined;
    }
    const p = offset + SET_FRAME_HEADER_BYTES;
    const words = (p & 3) === 0 ? this.words : undefined;
    let flags = FLAG_ASCII;
    let k = writeAscii(bytes, words, msg.key, p);
    let pv = p + pad4(k);
    let v = k < 0 ? -1 : writeAscii(bytes, words, msg.value, pv);
    if (v < 0) {
      flags = 0;
      k = this.buf.write(msg.key, p, 'utf8');
      for (let i = k; i < pad4(k); i++) bytes[p + i] = 0;
      pv = p + pad4(k);
      v = this.buf.write(msg.value, pv, 'utf8');
    }
    const t = this.typeBytes;
    const pt = pv + v;
    for (let i = 0; i < t.length; i++) bytes[pt + i] = t[i] as number;
    if (words !== undefined) {
      // The header as two little-endian 32-bit stores (offset is aligned when p is).
      words[offset >>> 2] = kind | (t.length << 8) | (k << 16);
      words[(offset >>> 2) + 1] = v | (flags << 16);
    } else {
      view.setUint8(offset, kind);
      view.setUint8(offset + 1, t.length);
      view.setUint16(offset + 2, k, true);
      view.setUint16(offset + 4, v, true);
      view.setUint8(offset + 6, flags);
      view.setUint8(offset + 7, 0);
    }
    return pt + t.length - offset;
  }
}

type Slice = (this: Buffer, start: number, end: number) => string;
const proto = Buffer.prototype as unknown as { utf8Slice?: Slice; latin1Slice?: Slice };
/** Node's native UTF-8 decoder without `toString`'s argument handling (falls back to `toString`). */
const utf8Slice: Slice =
  proto.utf8Slice ??
  function (this: Buffer, start: number, end: number): string {
    return this.toString('utf8', start, end);
  };
/** Node's native Latin-1 decoder (a byte copy into a one-byte string), same fallback. */
const latin1Slice: Slice =
  proto.latin1Slice ??
  function (this: Buffer, start: number, end: number): string {
    return this.toString('latin1', start, end);
  };

/** Writes a payload-less frame of `kind` (e.g. FRAME_SYNC); needs SET_FRAME_HEADER_BYTES of room. */
export function writeControlFrame(view: DataView, offset: number, kind: number): void {
  view.setUint8(offset, kind);
  view.setUint8(offset + 1, 0);
  view.setUint16(offset + 2, 0, true);
  view.setUint16(offset + 4, 0, true);
  view.setUint16(offset + 6, 0, true);
}

/** The kind byte of the frame at `offset`. */
export function frameKind(bytes: Uint8Array, offset: number): number {
  return bytes[offset] ?? 0;
}

/**
 * Decodes set frames straight from the ring's memory; key and value are decoded from the bytes
 * every time. Frames flagged ASCII are decoded with one native Latin-1 call (the two encodings
 * agree below 0x80; a writer that sets the flag over other bytes gets those bytes back as
 * U+0080..U+00FF, never an exception), other frames with Node's native UTF-8 decoder. Message
 * types are a tiny set, so the last decoded type string is reused when its bytes are unchanged:
 * interning, as DESIGN.md prescribes for message types.
 */
export class SetFrameReader {
  private readonly decoder = new TextDecoder();
  private lastType = '';
  private readonly lastTypeBytes = new Uint8Array(MAX_TYPE_BYTES);
  private lastTypeLength = -1;
  private lastBytes: Uint8Array | undefined;
  private lastBuffer: Buffer = Buffer.alloc(0);

  /**
   * Decodes the set frame at `offset` whose total length is `frameLength`. Throws ShnError
   * DECODE_FAILED if the header's lengths do not add up to `frameLength`, a flag is unknown or
   * the type is not `set`.
   */
  read(bytes: Uint8Array, view: DataView, offset: number, frameLength: number): SetMessage {
    if (frameLength < SET_FRAME_HEADER_BYTES) throw new ShnError('DECODE_FAILED', `set frame too short: ${frameLength} bytes`);
    const t = view.getUint8(offset + 1);
    const k = view.getUint16(offset + 2, true);
    const v = view.getUint16(offset + 4, true);
    const flags = view.getUint8(offset + 6);
    const ka = pad4(k);
    if (SET_FRAME_HEADER_BYTES + ka + v + t !== frameLength) {
      throw new ShnError('DECODE_FAILED', `set frame lengths ${k}(+${ka - k})+${v}+${t} do not match frame length ${frameLength}`);
    }
    if ((flags & ~FLAG_ASCII) !== 0) throw new ShnError('DECODE_FAILED', `set frame: unknown flags 0x${flags.toString(16)}`);
    const p = offset + SET_FRAME_HEADER_BYTES;
    const type = this.readType(bytes, p + ka + v, t);
    if (type !== 'set') throw new ShnError('DECODE_FAILED', `unexpected message type ${JSON.stringify(type)}`);
    const buf = this.bufferOver(bytes);
    let key: string;
    let value: string;
    if (flags === FLAG_ASCII) {
      // The writer's promise: every byte is below 0x80, where Latin-1 and UTF-8 agree. One native
      // copy of key, padding and value; key and value are slices of it (V8 sliced strings).
      const joint = latin1Slice.call(buf, p, p + ka + v);
      key = joint.slice(0, k);
      value = joint.slice(ka);
    } else {
      key = utf8Slice.call(buf, p, p + k);
      value = utf8Slice.call(buf, p + ka, p + ka + v);
    }
    return { type, key, value };
  }

  /** A Buffer view over the same memory (kept while `bytes` stays the same), for native UTF-8 decoding. */
  private bufferOver(bytes: Uint8Array): Buffer {
    if (this.lastBytes !== bytes) {
      this.lastBytes = bytes;
      this.lastBuffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    return this.lastBuffer;
  }

  private readType(bytes: Uint8Array, at: number, length: number): string {
    if (length === this.lastTypeLength) {
      let same = true;
      for (let i = 0; i < length; i++) {
        if (bytes[at + i] !== this.lastTypeBytes[i]) {
          same = false;
          break;
        }
      }
      if (same) return this.lastType;
    }
    for (let i = 0; i < length; i++) this.lastTypeBytes[i] = bytes[at + i] as number;
    this.lastTypeLength = length;
    this.lastType = this.decoder.decode(bytes.subarray(at, at + length));
    return this.lastType;
  }
}

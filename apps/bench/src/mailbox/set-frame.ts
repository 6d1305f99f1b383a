import { ShnError } from '@shn/core';
import type { SetMessage } from './set-message.js';

/**
 * The bench's compact ring frame for a set message (a documented fixed layout, little-endian). The
 * header is one 32-bit word:
 *
 * ```
 * bits  0-3   kind        FRAME_SET / FRAME_SET_ECHO / FRAME_SYNC
 * bits  4-7   flags       FLAG_ASCII: every key and value byte is below 0x80
 *                         FLAG_TYPE_INLINE: the type's bytes follow the header (see below)
 * bits  8-15  type id     the message type, interned to a small integer per ring direction
 * bits 16-31  keyBytes    UTF-8 length of `key` (<= 65535)
 * then  [FLAG_TYPE_INLINE only] u8 typeBytes, the type's UTF-8 bytes, zero padding to a multiple of 4
 *       key bytes, zero padding to a multiple of 4, value bytes up to the end of the frame
 * ```
 *
 * The value's length is what is left of the ring frame (SpscRing keeps every frame's exact payload
 * length), so it costs no header bytes. Message types are interned as DESIGN.md prescribes: the
 * first frame of a type carries its bytes inline with the id it gets from then on (ids 0-254;
 * TYPE_ID_UNINTERNED = 255 carries the type inline every time, once the table is full), and later
 * frames carry only the id. A 16-byte key and 32-byte value thus take 4 + 4 + 16 + 32 = 56 ring
 * bytes, less than one 64-byte cache line per message.
 *
 * Key and value start 4-byte aligned (frames start aligned in an SpscRing), so the writer can
 * store ASCII text four characters per 32-bit store, and the reader decodes an ASCII key and
 * value with one native Latin-1 call (a plain byte copy into a one-byte string, no UTF-8 validation).
 */
export const SET_FRAME_HEADER_BYTES = 4;
/** A set message: count it. */
export const FRAME_SET = 1;
/** A set message the consumer must send back (round-trip measurements). */
export const FRAME_SET_ECHO = 2;
/** No payload: the consumer reports how many set frames it has received so far. */
export const FRAME_SYNC = 3;
/** Flags bit: key and value are ASCII (one byte per UTF-16 unit, all below 0x80). */
export const FLAG_ASCII = 1;
/** Flags bit: the type's length byte and bytes follow the header. */
export const FLAG_TYPE_INLINE = 2;
/** The type id of a frame whose type is inline and not interned (the interning table is full). */
export const TYPE_ID_UNINTERNED = 0xff;

const KNOWN_FLAGS = FLAG_ASCII | FLAG_TYPE_INLINE;
const MAX_TYPE_BYTES = 0xff;
const MAX_STRING_BYTES = 0xffff;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** `n` rounded up to a multiple of 4. */
function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** The header word of a frame. */
function headerWord(kind: number, flags: number, typeId: number, keyBytes: number): number {
  return (kind | (flags << 4) | (typeId << 8) | (keyBytes << 16)) >>> 0;
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
 * encoder (`Buffer#utf8Write`).
 *
 * One writer serves one ring direction, read by one {@link SetFrameReader}, and every frame it
 * writes must be committed: the first frame of each type carries the type inline and interns it
 * for the frames after it. Call `write` right after `maxLength` for the same message.
 */
export class SetFrameWriter {
  private lastBytes: Uint8Array | undefined;
  private buf: Buffer = Buffer.alloc(0);
  private words: Uint32Array | undefined;
  private readonly typeIds = new Map<string, number>();
  private lastType: string | undefined;
  /** Interned id of `lastType`, or -1 while its bytes must go inline. */
  private lastTypeId = -1;
  private typeBytes: Buffer = Buffer.alloc(0);

  /** Upper bound of the frame length for `msg`. Throws ShnError ENCODE_FAILED past the header's limits. */
  maxLength(msg: SetMessage): number {
    if (msg.type !== this.lastType) this.selectType(msg.type);
    if (msg.key.length * 3 > MAX_STRING_BYTES && Buffer.byteLength(msg.key) > MAX_STRING_BYTES) {
      throw new ShnError('ENCODE_FAILED', `set frame: key longer than ${MAX_STRING_BYTES} UTF-8 bytes`);
    }
    const inline = this.lastTypeId < 0 ? pad4(1 + this.typeBytes.length) : 0;
    return SET_FRAME_HEADER_BYTES + inline + pad4(3 * msg.key.length) + pad4(3 * msg.value.length);
  }

  /** Writes the frame for `msg` (after {@link maxLength}, with that much room) at `offset`; returns its real length. */
  write(bytes: Uint8Array, view: DataView, offset: number, kind: number, msg: SetMessage): number {
    if (this.lastBytes !== bytes) {
      this.lastBytes = bytes;
      this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      this.words = LITTLE_ENDIAN && (bytes.byteOffset & 3) === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2) : undefined;
    }
    if (msg.type !== this.lastType) this.selectType(msg.type);
    let p = offset + SET_FRAME_HEADER_BYTES;
    let typeFlag = 0;
    let typeId = this.lastTypeId;
    if (typeId < 0) {
      // First frame of this type (or the table is full): its bytes go inline, and it is interned.
      const t = this.typeBytes;
      bytes[p] = t.length;
      for (let i = 0; i < t.length; i++) bytes[p + 1 + i] = t[i] as number;
      for (let i = 1 + t.length; i < pad4(1 + t.length); i++) bytes[p + i] = 0;
      p += pad4(1 + t.length);
      typeFlag = FLAG_TYPE_INLINE;
      typeId = this.typeIds.size < TYPE_ID_UNINTERNED ? this.typeIds.size : TYPE_ID_UNINTERNED;
      if (typeId !== TYPE_ID_UNINTERNED) {
        this.typeIds.set(this.lastType as string, typeId);
        this.lastTypeId = typeId;
      }
    }
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
    const header = headerWord(kind, flags | typeFlag, typeId, k);
    if (words !== undefined) words[offset >>> 2] = header;
    else view.setUint32(offset, header, true);
    return pv + v - offset;
  }

  /** Makes `type` the current one: its UTF-8 bytes and interned id (-1 if not interned yet). */
  private selectType(type: string): void {
    const t = Buffer.from(type, 'utf8');
    if (t.length > MAX_TYPE_BYTES) throw new ShnError('ENCODE_FAILED', `set frame: type longer than ${MAX_TYPE_BYTES} UTF-8 bytes`);
    this.typeBytes = t;
    this.lastType = type;
    this.lastTypeId = this.typeIds.get(type) ?? -1;
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
  view.setUint32(offset, headerWord(kind, 0, 0, 0), true);
}

/** The kind of the frame at `offset` (the low 4 bits of its first byte). */
export function frameKind(bytes: Uint8Array, offset: number): number {
  return (bytes[offset] ?? 0) & 0x0f;
}

/**
 * Decodes set frames straight from the ring's memory; key and value are decoded from the bytes
 * every time. Frames flagged ASCII are decoded with one native Latin-1 call (the two encodings
 * agree below 0x80; a writer that sets the flag over other bytes gets those bytes back as
 * U+0080..U+00FF, never an exception), other frames with Node's native UTF-8 decoder. Types come
 * from the interning table that inline-type frames fill (see the layout above), so a frame's type
 * is the same string object every time: one reader per ring direction.
 */
export class SetFrameReader {
  private readonly types: (string | undefined)[] = [];
  private lastBytes: Uint8Array | undefined;
  private lastBuffer: Buffer = Buffer.alloc(0);

  /**
   * Decodes the set frame at `offset` whose total length is `frameLength`. Throws ShnError
   * DECODE_FAILED if the lengths do not fit in `frameLength`, a flag is unknown, the type id was
   * never interned, or the type is not `set`.
   */
  read(bytes: Uint8Array, view: DataView, offset: number, frameLength: number): SetMessage {
    if (frameLength < SET_FRAME_HEADER_BYTES) throw new ShnError('DECODE_FAILED', `set frame too short: ${frameLength} bytes`);
    const header = view.getUint32(offset, true);
    const flags = (header >>> 4) & 0x0f;
    const typeId = (header >>> 8) & 0xff;
    const k = header >>> 16;
    if ((flags & ~KNOWN_FLAGS) !== 0) throw new ShnError('DECODE_FAILED', `set frame: unknown flags 0x${flags.toString(16)}`);
    let p = offset + SET_FRAME_HEADER_BYTES;
    const end = offset + frameLength;
    let type: string | undefined;
    if ((flags & FLAG_TYPE_INLINE) !== 0) {
      const t = p < end ? (bytes[p] as number) : -1;
      if (t < 0 || p + pad4(1 + t) > end) throw new ShnError('DECODE_FAILED', `set frame: inline type does not fit in frame length ${frameLength}`);
      type = utf8Slice.call(this.bufferOver(bytes), p + 1, p + 1 + t);
      if (typeId !== TYPE_ID_UNINTERNED) this.types[typeId] = type;
      p += pad4(1 + t);
    } else {
      type = typeId === TYPE_ID_UNINTERNED ? undefined : this.types[typeId];
      if (type === undefined) throw new ShnError('DECODE_FAILED', `set frame: type id ${typeId} was never interned on this ring`);
    }
    if (type !== 'set') throw new ShnError('DECODE_FAILED', `unexpected message type ${JSON.stringify(type)}`);
    const ka = pad4(k);
    const v = end - p - ka;
    if (v < 0) throw new ShnError('DECODE_FAILED', `set frame: key of ${k}(+${ka - k}) bytes does not fit in frame length ${frameLength}`);
    const buf = this.bufferOver(bytes);
    let key: string;
    let value: string;
    if ((flags & FLAG_ASCII) !== 0) {
      // The writer's promise: every byte is below 0x80, where Latin-1 and UTF-8 agree. One native
      // copy of key, padding and value; key and value are slices of it (V8 sliced strings).
      const joint = latin1Slice.call(buf, p, end);
      key = joint.slice(0, k);
      value = joint.slice(ka);
    } else {
      key = utf8Slice.call(buf, p, p + k);
      value = utf8Slice.call(buf, p + ka, end);
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
}

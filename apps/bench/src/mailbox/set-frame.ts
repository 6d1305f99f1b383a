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
 * 6  u16  reserved    0
 * 8  ...  type, key, value bytes, back to back
 * ```
 */
export const SET_FRAME_HEADER_BYTES = 8;
/** A set message: count it. */
export const FRAME_SET = 1;
/** A set message the consumer must send back (round-trip measurements). */
export const FRAME_SET_ECHO = 2;
/** No payload: the consumer reports how many set frames it has received so far. */
export const FRAME_SYNC = 3;

const MAX_TYPE_BYTES = 0xff;
const MAX_STRING_BYTES = 0xffff;
/** Strings up to this many bytes are copied with a loop; longer ones with `set`. */
const LOOP_COPY_MAX = 64;

function copy(src: Uint8Array, n: number, dst: Uint8Array, at: number): void {
  if (n <= LOOP_COPY_MAX) {
    for (let i = 0; i < n; i++) dst[at + i] = src[i] as number;
  } else {
    dst.set(src.subarray(0, n), at);
  }
}

/**
 * Encodes set messages into frames with no per-message buffer allocation:
 * {@link prepare} encodes key and value into reusable scratch buffers (an ASCII fast path,
 * else `TextEncoder.encodeInto`; the type's bytes are cached while it stays the same) (which also yields the exact frame length to reserve), {@link writeTo} copies header
 * and bytes to the reserved place. (Encoding straight into a `subarray` of the ring would need
 * the lengths first and allocates a view per string; measured slower.)
 */
export class SetFrameWriter {
  private readonly encoder = new TextEncoder();
  private readonly typeScratch = new Uint8Array(MAX_TYPE_BYTES);
  private readonly keyScratch = new Uint8Array(MAX_STRING_BYTES);
  private readonly valueScratch = new Uint8Array(MAX_STRING_BYTES);
  private typeBytes = 0;
  private lastType: string | undefined;
  private keyBytes = 0;
  private valueBytes = 0;

  /**
   * Encodes `msg`'s strings and returns the whole frame length in bytes (header included).
   * Throws ShnError ENCODE_FAILED if the type exceeds 255 bytes or key/value 65535 bytes.
   */
  prepare(msg: SetMessage): number {
    // Message types are a tiny set: the last type's bytes are reused while the string is the same.
    if (msg.type !== this.lastType) {
      this.typeBytes = this.encodeOne(msg.type, this.typeScratch, 'type');
      this.lastType = msg.type;
    }
    this.keyBytes = this.encodeOne(msg.key, this.keyScratch, 'key');
    this.valueBytes = this.encodeOne(msg.value, this.valueScratch, 'value');
    return SET_FRAME_HEADER_BYTES + this.typeBytes + this.keyBytes + this.valueBytes;
  }

  private encodeOne(s: string, scratch: Uint8Array, what: string): number {
    // ASCII fast path (one byte per UTF-16 unit, a plain loop into a private buffer); the first
    // non-ASCII unit falls back to TextEncoder.encodeInto for the whole string.
    const n = s.length;
    if (n <= scratch.length) {
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) break;
        scratch[i] = c;
      }
      if (i === n) return n;
    }
    const r = this.encoder.encodeInto(s, scratch);
    if (r.read !== s.length) {
      throw new ShnError('ENCODE_FAILED', `set frame: ${what} longer than ${scratch.length} UTF-8 bytes`);
    }
    return r.written;
  }

  /**
   * Writes the frame last {@link prepare}d at `offset` of `bytes`/`view` (same memory). The
   * caller guarantees the room (e.g. from `SpscRing.reserve(prepare(msg))`).
   */
  writeTo(bytes: Uint8Array, view: DataView, offset: number, kind: number): void {
    view.setUint8(offset, kind);
    view.setUint8(offset + 1, this.typeBytes);
    view.setUint16(offset + 2, this.keyBytes, true);
    view.setUint16(offset + 4, this.valueBytes, true);
    view.setUint16(offset + 6, 0, true);
    let p = offset + SET_FRAME_HEADER_BYTES;
    copy(this.typeScratch, this.typeBytes, bytes, p);
    p += this.typeBytes;
    copy(this.keyScratch, this.keyBytes, bytes, p);
    p += this.keyBytes;
    copy(this.valueScratch, this.valueBytes, bytes, p);
  }
}

/**
 * Encodes a set message straight into ring memory (no scratch copy): the producer reserves
 * {@link DirectSetFrameWriter.maxLength} bytes (the UTF-8 worst case, 3 bytes per UTF-16 unit),
 * writes with Node's native UTF-8 encoder (`Buffer#write`), and commits only the bytes written
 * (`SpscRing.commit(length)`). The type's bytes are cached while the type stays the same.
 */
export class DirectSetFrameWriter {
  private lastBytes: Uint8Array | undefined;
  private buf: Buffer = Buffer.alloc(0);
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
    return SET_FRAME_HEADER_BYTES + this.typeBytes.length + 3 * (msg.key.length + msg.value.length);
  }

  /** Writes the frame for `msg` (after {@link maxLength}) at `offset`; returns its real length. */
  write(bytes: Uint8Array, view: DataView, offset: number, kind: number, msg: SetMessage): number {
    if (this.lastBytes !== bytes) {
      this.lastBytes = bytes;
      this.buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    const t = this.typeBytes;
    let p = offset + SET_FRAME_HEADER_BYTES;
    for (let i = 0; i < t.length; i++) bytes[p + i] = t[i] as number;
    p += t.length;
    const k = writeUtf8(this.buf, bytes, msg.key, p);
    p += k;
    const v = writeUtf8(this.buf, bytes, msg.value, p);
    view.setUint8(offset, kind);
    view.setUint8(offset + 1, t.length);
    view.setUint16(offset + 2, k, true);
    view.setUint16(offset + 4, v, true);
    view.setUint16(offset + 6, 0, true);
    return SET_FRAME_HEADER_BYTES + t.length + k + v;
  }
}

/**
 * Writes `s` as UTF-8 at `at`: a plain loop for ASCII (most keys), Node's native encoder for the rest.
 * Returns the bytes written. The caller reserved 3 bytes per UTF-16 unit.
 */
function writeUtf8(buf: Buffer, bytes: Uint8Array, s: string, at: number): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) return buf.write(s, at, 'utf8');
    bytes[at + i] = c;
  }
  return n;
}

type Utf8Slice = (this: Buffer, start: number, end: number) => string;
/** Node's native UTF-8 decoder without `toString`'s argument handling (falls back to `toString`). */
const utf8Slice: Utf8Slice =
  (Buffer.prototype as unknown as { utf8Slice?: Utf8Slice }).utf8Slice ??
  function (this: Buffer, start: number, end: number): string {
    return this.toString('utf8', start, end);
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
 * Decodes set frames with Node's native UTF-8 decoder (`Buffer#toString('utf8', start, end)`
 * over the ring's memory; key and value are decoded from the bytes every time). Message types are a tiny set, so the last decoded type string is reused when its
 * bytes are unchanged: interning, as DESIGN.md prescribes for message types.
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
   * DECODE_FAILED if the header's lengths do not add up to `frameLength` or the type is not `set`.
   */
  read(bytes: Uint8Array, view: DataView, offset: number, frameLength: number): SetMessage {
    if (frameLength < SET_FRAME_HEADER_BYTES) throw new ShnError('DECODE_FAILED', `set frame too short: ${frameLength} bytes`);
    const t = view.getUint8(offset + 1);
    const k = view.getUint16(offset + 2, true);
    const v = view.getUint16(offset + 4, true);
    if (SET_FRAME_HEADER_BYTES + t + k + v !== frameLength) {
      throw new ShnError('DECODE_FAILED', `set frame lengths ${t}+${k}+${v} do not match frame length ${frameLength}`);
    }
    let p = offset + SET_FRAME_HEADER_BYTES;
    const type = this.readType(bytes, p, t);
    p += t;
    const buf = this.bufferOver(bytes);
    // One native decode of key and value together; when the text has exactly one UTF-16 unit
    // per byte (ASCII, the usual case) the two strings are slices of it. Otherwise each is
    // decoded on its own (valid UTF-8 strings decode the same either way).
    const joint = utf8Slice.call(buf, p, p + k + v);
    let key: string;
    let value: string;
    if (joint.length === k + v) {
      key = joint.slice(0, k);
      value = joint.slice(k);
    } else {
      key = utf8Slice.call(buf, p, p + k);
      value = utf8Slice.call(buf, p + k, p + k + v);
    }
    if (type !== 'set') throw new ShnError('DECODE_FAILED', `unexpected message type ${JSON.stringify(type)}`);
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

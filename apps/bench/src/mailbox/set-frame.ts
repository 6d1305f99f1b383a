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
 * {@link prepare} runs `TextEncoder.encodeInto` for type, key and value into reusable scratch
 * buffers (which also yields the exact frame length to reserve), {@link writeTo} copies header
 * and bytes to the reserved place. (Encoding straight into a `subarray` of the ring would need
 * the lengths first and allocates a view per string; measured slower.)
 */
export class SetFrameWriter {
  private readonly encoder = new TextEncoder();
  private readonly typeScratch = new Uint8Array(MAX_TYPE_BYTES);
  private readonly keyScratch = new Uint8Array(MAX_STRING_BYTES);
  private readonly valueScratch = new Uint8Array(MAX_STRING_BYTES);
  private typeBytes = 0;
  private keyBytes = 0;
  private valueBytes = 0;

  /**
   * Encodes `msg`'s strings and returns the whole frame length in bytes (header included).
   * Throws ShnError ENCODE_FAILED if the type exceeds 255 bytes or key/value 65535 bytes.
   */
  prepare(msg: SetMessage): number {
    this.typeBytes = this.encodeOne(msg.type, this.typeScratch, 'type');
    this.keyBytes = this.encodeOne(msg.key, this.keyScratch, 'key');
    this.valueBytes = this.encodeOne(msg.value, this.valueScratch, 'value');
    return SET_FRAME_HEADER_BYTES + this.typeBytes + this.keyBytes + this.valueBytes;
  }

  private encodeOne(s: string, scratch: Uint8Array, what: string): number {
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
 * Decodes set frames with `TextDecoder` (key and value are decoded from the bytes every
 * time). Message types are a tiny set, so the last decoded type string is reused when its
 * bytes are unchanged: interning, as DESIGN.md prescribes for message types.
 */
export class SetFrameReader {
  private readonly decoder = new TextDecoder();
  private lastType = '';
  private readonly lastTypeBytes = new Uint8Array(MAX_TYPE_BYTES);
  private lastTypeLength = -1;

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
    const key = this.decoder.decode(bytes.subarray(p, p + k));
    p += k;
    const value = this.decoder.decode(bytes.subarray(p, p + v));
    if (type !== 'set') throw new ShnError('DECODE_FAILED', `unexpected message type ${JSON.stringify(type)}`);
    return { type, key, value };
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

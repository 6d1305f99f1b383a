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

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * UTF-8 byte length of `s` without encoding it (lone surrogates count as U+FFFD, 3 bytes,
 * as TextEncoder writes them).
 */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Byte lengths of one message's strings, computed once and reused by {@link writeSetFrame}. */
export interface SetFrameSizes {
  typeBytes: number;
  keyBytes: number;
  valueBytes: number;
  /** Whole frame: header + the three strings. */
  total: number;
}

/**
 * Measures `msg` into `sizes` (reused, so nothing is allocated) and returns the frame length
 * in bytes. Throws ShnError ENCODE_FAILED if type > 255 bytes or key/value > 65535 bytes.
 */
export function measureSetFrame(msg: SetMessage, sizes: SetFrameSizes): number {
  const t = utf8Length(msg.type);
  const k = utf8Length(msg.key);
  const v = utf8Length(msg.value);
  if (t > 0xff || k > 0xffff || v > 0xffff) {
    throw new ShnError('ENCODE_FAILED', `set frame limits: type <= 255, key and value <= 65535 bytes (got ${t}/${k}/${v})`);
  }
  sizes.typeBytes = t;
  sizes.keyBytes = k;
  sizes.valueBytes = v;
  sizes.total = SET_FRAME_HEADER_BYTES + t + k + v;
  return sizes.total;
}

/**
 * Writes the frame for `msg` at `offset` (sizes from {@link measureSetFrame}), encoding the
 * strings with `TextEncoder.encodeInto` straight into `bytes`. The caller guarantees
 * `sizes.total` bytes of room at `offset` (e.g. from `SpscRing.reserve`).
 */
export function writeSetFrame(bytes: Uint8Array, view: DataView, offset: number, kind: number, msg: SetMessage, sizes: SetFrameSizes): void {
  view.setUint8(offset, kind);
  view.setUint8(offset + 1, sizes.typeBytes);
  view.setUint16(offset + 2, sizes.keyBytes, true);
  view.setUint16(offset + 4, sizes.valueBytes, true);
  view.setUint16(offset + 6, 0, true);
  let p = offset + SET_FRAME_HEADER_BYTES;
  encoder.encodeInto(msg.type, bytes.subarray(p, p + sizes.typeBytes));
  p += sizes.typeBytes;
  encoder.encodeInto(msg.key, bytes.subarray(p, p + sizes.keyBytes));
  p += sizes.keyBytes;
  encoder.encodeInto(msg.value, bytes.subarray(p, p + sizes.valueBytes));
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
 * Decodes the set frame at `offset` whose total length is `frameLength` (TextDecoder for
 * every string, so decoding really happens). Throws ShnError DECODE_FAILED if the header's
 * lengths do not add up to `frameLength` or the type is not `set`.
 */
export function readSetFrame(bytes: Uint8Array, view: DataView, offset: number, frameLength: number): SetMessage {
  if (frameLength < SET_FRAME_HEADER_BYTES) throw new ShnError('DECODE_FAILED', `set frame too short: ${frameLength} bytes`);
  const t = view.getUint8(offset + 1);
  const k = view.getUint16(offset + 2, true);
  const v = view.getUint16(offset + 4, true);
  if (SET_FRAME_HEADER_BYTES + t + k + v !== frameLength) {
    throw new ShnError('DECODE_FAILED', `set frame lengths ${t}+${k}+${v} do not match frame length ${frameLength}`);
  }
  let p = offset + SET_FRAME_HEADER_BYTES;
  const type = decoder.decode(bytes.subarray(p, p + t));
  p += t;
  const key = decoder.decode(bytes.subarray(p, p + k));
  p += k;
  const value = decoder.decode(bytes.subarray(p, p + v));
  if (type !== 'set') throw new ShnError('DECODE_FAILED', `unexpected message type ${JSON.stringify(type)}`);
  return { type, key, value };
}

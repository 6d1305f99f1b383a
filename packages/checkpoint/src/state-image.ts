import { ShnError } from '@shn/core';
import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { corruptError } from './corrupt-error.js';
import { crc32c } from './crc32c.js';

/** Magic of a keyed state image: `SHNI`. */
const MAGIC = 0x494e4853;
/** The image format version this build writes and the newest it reads. */
export const STATE_IMAGE_VERSION = 1;
const OP_PUT = 1;
const OP_DEL = 2;
const OP_END = 0xff;
const encoder = new TextEncoder();

/** `full`: the whole state. `delta`: only the keys changed since checkpoint `baseSeq`. */
export type ImageKind = 'full' | 'delta';

/** The header of a {@link StateImage}. */
export interface ImageHeader {
  readonly kind: ImageKind;
  /** This checkpoint's sequence number (>= 1). */
  readonly seq: number;
  /** For a delta, the checkpoint it applies on top of (0 = the empty state); 0 for a full. */
  readonly baseSeq: number;
  /** The key group count the records were tagged with. */
  readonly keyGroups: number;
}

/** One change in an image: a value for a key, or (`value: undefined`, deltas only) its deletion. */
export interface ImageRecord {
  readonly key: string;
  readonly keyGroup: number;
  readonly value: Uint8Array | undefined;
}

/** A decoded keyed state image. */
export interface StateImage extends ImageHeader {
  readonly records: readonly ImageRecord[];
}

/** True if `bytes` start like a state image (cheap; does not validate). */
export function isStateImage(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && ((bytes[0] as number) | ((bytes[1] as number) << 8) | ((bytes[2] as number) << 16) | ((bytes[3] as number) << 24)) >>> 0 === MAGIC;
}

/**
 * Streams a state image: header, then one CRC-32C-framed record per key, then an end record
 * holding the record count (so a truncated image is always detected).
 */
export class ImageEncoder {
  readonly #w: ByteWriter;
  #count = 0;
  readonly #kind: ImageKind;
  readonly #groups: number;

  /**
   * @param sizeHint - initial buffer size in bytes (the buffer grows as needed).
   * @throws ShnError `INVALID_ARGUMENT` for a seq below 1.
   */
  constructor(header: ImageHeader, sizeHint = 1024) {
    if (!Number.isSafeInteger(header.seq) || header.seq < 1) throw new ShnError('INVALID_ARGUMENT', `image seq must be a safe integer >= 1, got ${header.seq}`);
    this.#kind = header.kind;
    this.#groups = header.keyGroups;
    this.#w = new ByteWriter(sizeHint);
    this.#w.u32(MAGIC).u8(STATE_IMAGE_VERSION).u8(header.kind === 'full' ? 0 : 1).u16(0).u32(header.keyGroups).u64(header.seq).u64(header.baseSeq);
    this.#w.u32(crc32c(this.#w.view()));
  }

  #frame(op: number, keyGroup: number, key: Uint8Array, value: Uint8Array | undefined): void {
    const w = this.#w;
    const start = w.length;
    w.u32(0).u32(0);
    w.u8(op).u32(keyGroup).u32(key.length).bytes(key);
    if (value !== undefined) w.bytes(value);
    const payload = w.view().subarray(start + 8);
    w.patchU32(start, payload.length);
    w.patchU32(start + 4, crc32c(payload));
  }

  /** Adds a key's value. */
  put(key: string, keyGroup: number, value: Uint8Array): void {
    this.#frame(OP_PUT, keyGroup, encoder.encode(key), value);
    this.#count++;
  }

  /** Adds a key's value, computing its key group from the encoded key (one UTF-8 encoding). */
  putGrouped(key: string, value: Uint8Array): void {
    const k = encoder.encode(key);
    this.#frame(OP_PUT, crc32c(k) % this.#groups, k, value);
    this.#count++;
  }

  /** Adds a key's deletion (deltas only). */
  delete(key: string, keyGroup: number): void {
    if (this.#kind === 'full') throw new ShnError('INVALID_ARGUMENT', 'a full image has no deletions');
    this.#frame(OP_DEL, keyGroup, encoder.encode(key), undefined);
    this.#count++;
  }

  /** Records written so far. */
  get count(): number {
    return this.#count;
  }

  /** Writes the end record and returns the image (the encoder must not be used afterwards). */
  finish(): Uint8Array {
    const c = new ByteWriter(8).u32(this.#count).view();
    this.#frame(OP_END, 0, new Uint8Array(0), c);
    return this.#w.view();
  }
}

/**
 * Reads only the header of an image.
 * @throws ShnError `DATA_CORRUPT` / `UNSUPPORTED_VERSION`, naming `where`.
 */
export function decodeImageHeader(bytes: Uint8Array, where = 'state image'): ImageHeader & { bodyOffset: number } {
  const r = new ByteReader(bytes, where);
  if (r.u32('magic') !== MAGIC) throw corruptError('bad-magic', where, 'not a shn state image (bad magic)');
  const version = r.u8('version');
  if (version === 0 || version > STATE_IMAGE_VERSION) {
    throw corruptError('newer-version', where, `state image version ${version} is not supported (this build reads 1..${STATE_IMAGE_VERSION})`, { version });
  }
  const kindByte = r.u8('kind');
  r.u16();
  const keyGroups = r.u32('key groups');
  const seq = r.u64('seq');
  const baseSeq = r.u64('base seq');
  const end = r.offset;
  const crc = r.u32('header crc');
  if (crc32c(bytes.subarray(0, end)) !== crc) throw corruptError('checksum', where, 'image header CRC-32C mismatch');
  if (kindByte > 1) throw corruptError('malformed', where, `unknown image kind ${kindByte}`);
  return { kind: kindByte === 0 ? 'full' : 'delta', seq, baseSeq, keyGroups, bodyOffset: r.offset };
}

/**
 * Decodes and verifies a whole image, calling `onRecord` for each record in order (so a caller
 * can filter by key group without building the array).
 * @throws ShnError `DATA_CORRUPT` (truncated, flipped byte, missing end record, count mismatch)
 *   or `UNSUPPORTED_VERSION`, naming `where`.
 */
export function scanImage(bytes: Uint8Array, onRecord: (record: ImageRecord) => void, where = 'state image'): ImageHeader {
  const header = decodeImageHeader(bytes, where);
  const r = new ByteReader(bytes, where, header.bodyOffset);
  const dec = new TextDecoder('utf-8', { fatal: true });
  let count = 0;
  for (;;) {
    if (r.remaining === 0) throw corruptError('truncated', where, `truncated: no end record after ${count} records`);
    const at = r.offset;
    const len = r.u32('record length');
    const crc = r.u32('record crc');
    const payload = r.bytes(len, `record at offset ${at}`);
    if (crc32c(payload) !== crc) throw corruptError('checksum', where, `record at offset ${at}: CRC-32C mismatch`, { offset: at });
    const p = new ByteReader(payload, `${where} record at ${at}`);
    const op = p.u8('op');
    const keyGroup = p.u32('key group');
    const keyLen = p.u32('key length');
    if (op === OP_END) {
      const n = p.u32('count');
      if (n !== count) throw corruptError('malformed', where, `end record says ${n} records, found ${count}`);
      if (r.remaining !== 0) throw corruptError('malformed', where, `${r.remaining} bytes after the end record`);
      return { kind: header.kind, seq: header.seq, baseSeq: header.baseSeq, keyGroups: header.keyGroups };
    }
    let key: string;
    try {
      key = dec.decode(p.bytes(keyLen, 'key'));
    } catch (e) {
      if (e instanceof ShnError) throw e;
      throw corruptError('malformed', where, `record at offset ${at}: key is not UTF-8`);
    }
    if (op === OP_PUT) onRecord({ key, keyGroup, value: p.bytes(p.remaining, 'value') });
    else if (op === OP_DEL && header.kind === 'delta') onRecord({ key, keyGroup, value: undefined });
    else throw corruptError('malformed', where, `record at offset ${at}: bad op ${op} in a ${header.kind} image`);
    count++;
  }
}

/** Decodes a whole image into memory. Throws like {@link scanImage}. */
export function decodeImage(bytes: Uint8Array, where = 'state image'): StateImage {
  const records: ImageRecord[] = [];
  const h = scanImage(bytes, (rec) => records.push(rec), where);
  return { ...h, records };
}

import { ShnError, crc32c } from '@shn/core';
import type { Entry, HardState } from '../types.js';

/** What one WAL record holds. */
export type WalRecord =
  | { readonly kind: 'entries'; readonly entries: readonly Entry[] }
  | { readonly kind: 'hard-state'; readonly hardState: HardState }
  /** Everything up to `index` is covered by a snapshot of `term`; earlier records may be skipped. */
  | { readonly kind: 'snapshot'; readonly index: number; readonly term: number };

const KIND_ENTRIES = 1;
const KIND_HARD = 2;
const KIND_SNAP = 3;
const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/** Bytes of a record's frame header: u32 payload length, u32 CRC-32C of the payload. */
export const FRAME_HEADER = 8;
/** The largest record payload accepted when reading (a length above it is corruption, not a huge record). */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

function payloadSize(r: WalRecord): number {
  switch (r.kind) {
    case 'entries':
      return 1 + 4 + r.entries.reduce((n, e) => n + 8 + 8 + 1 + 4 + e.data.length, 0);
    case 'hard-state':
      return 1 + 8 + 8 + 2 + enc.encode(r.hardState.vote).length;
    default:
      return 1 + 8 + 8;
  }
}

/** Encodes records as framed bytes: `[len u32][crc32c u32][payload]` each, little-endian. */
export function encodeRecords(records: readonly WalRecord[]): Uint8Array {
  const total = records.reduce((n, r) => n + FRAME_HEADER + payloadSize(r), 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let off = 0;
  for (const r of records) {
    const len = payloadSize(r);
    const start = off + FRAME_HEADER;
    let p = start;
    if (r.kind === 'entries') {
      out[p++] = KIND_ENTRIES;
      view.setUint32(p, r.entries.length, true);
      p += 4;
      for (const e of r.entries) {
        view.setFloat64(p, e.term, true);
        view.setFloat64(p + 8, e.index, true);
        out[p + 16] = e.type === 'conf' ? 1 : 0;
        view.setUint32(p + 17, e.data.length, true);
        out.set(e.data, p + 21);
        p += 21 + e.data.length;
      }
    } else if (r.kind === 'hard-state') {
      out[p++] = KIND_HARD;
      view.setFloat64(p, r.hardState.term, true);
      view.setFloat64(p + 8, r.hardState.commit, true);
      const vote = enc.encode(r.hardState.vote);
      view.setUint16(p + 16, vote.length, true);
      out.set(vote, p + 18);
      p += 18 + vote.length;
    } else {
      out[p++] = KIND_SNAP;
      view.setFloat64(p, r.index, true);
      view.setFloat64(p + 8, r.term, true);
      p += 16;
    }
    view.setUint32(off, len, true);
    view.setUint32(off + 4, crc32c(out, 0, start, start + len), true);
    off = start + len;
  }
  return out;
}

function corrupt(offset: number, why: string): ShnError {
  return new ShnError('DATA_CORRUPT', `WAL record at byte ${offset}: ${why}`, { details: { offset } });
}

function decodePayload(bytes: Uint8Array, start: number, len: number): WalRecord {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = start + len;
  let p = start;
  const need = (n: number) => {
    if (p + n > end) throw corrupt(start - FRAME_HEADER, 'payload shorter than its fields');
  };
  need(1);
  const kind = bytes[p++];
  if (kind === KIND_ENTRIES) {
    need(4);
    const count = view.getUint32(p, true);
    p += 4;
    const entries: Entry[] = [];
    for (let i = 0; i < count; i++) {
      need(21);
      const term = view.getFloat64(p, true);
      const index = view.getFloat64(p + 8, true);
      const type = bytes[p + 16] === 1 ? 'conf' : 'normal';
      const dlen = view.getUint32(p + 17, true);
      p += 21;
      need(dlen);
      if (!Number.isSafeInteger(term) || !Number.isSafeInteger(index) || index < 1) throw corrupt(start - FRAME_HEADER, 'bad entry index or term');
      entries.push({ term, index, type, data: bytes.slice(p, p + dlen) });
      p += dlen;
    }
    if (p !== end) throw corrupt(start - FRAME_HEADER, 'trailing bytes after the entries');
    return { kind: 'entries', entries };
  }
  if (kind === KIND_HARD) {
    need(18);
    const term = view.getFloat64(p, true);
    const commit = view.getFloat64(p + 8, true);
    const vlen = view.getUint16(p + 16, true);
    p += 18;
    need(vlen);
    let vote: string;
    try {
      vote = dec.decode(bytes.subarray(p, p + vlen));
    } catch {
      throw corrupt(start - FRAME_HEADER, 'vote is not UTF-8');
    }
    return { kind: 'hard-state', hardState: { term, vote, commit } };
  }
  if (kind === KIND_SNAP) {
    need(16);
    return { kind: 'snapshot', index: view.getFloat64(p, true), term: view.getFloat64(p + 8, true) };
  }
  throw corrupt(start - FRAME_HEADER, `unknown record kind ${String(kind)}`);
}

/** The result of reading a WAL segment. */
export interface DecodedWal {
  readonly records: WalRecord[];
  /** Bytes that hold complete, valid records; a torn tail starts here. */
  readonly validBytes: number;
  /** True if an incomplete record was found at the end (a write cut short by a crash). */
  readonly tornTail: boolean;
}

/**
 * Reads framed records. An incomplete record at the very end (its frame runs past the end of the
 * data) is a torn write and is reported, not thrown: the caller truncates it. A complete record
 * whose checksum or contents are wrong is corruption wherever it is.
 * @throws ShnError `DATA_CORRUPT` naming the byte offset.
 */
export function decodeRecords(bytes: Uint8Array, from = 0): DecodedWal {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: WalRecord[] = [];
  let off = from;
  while (off < bytes.length) {
    if (off + FRAME_HEADER > bytes.length) return { records, validBytes: off, tornTail: true };
    const len = view.getUint32(off, true);
    const crc = view.getUint32(off + 4, true);
    if (len > MAX_RECORD_BYTES) throw corrupt(off, `length ${len} exceeds ${MAX_RECORD_BYTES}`);
    if (off + FRAME_HEADER + len > bytes.length) return { records, validBytes: off, tornTail: true };
    const start = off + FRAME_HEADER;
    if (crc32c(bytes, 0, start, start + len) !== crc) throw corrupt(off, 'checksum mismatch');
    records.push(decodePayload(bytes, start, len));
    off = start + len;
  }
  return { records, validBytes: off, tornTail: false };
}

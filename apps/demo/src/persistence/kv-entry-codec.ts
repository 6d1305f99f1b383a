import { ShnError } from '@shn/core';
import type { KvValue } from '../kv/kv-value.js';

/** Version byte of an encoded entry. */
export const KV_ENTRY_FORMAT = 1;

const TYPE_CODES = { string: 1, hash: 2, list: 3, set: 4, zset: 5 } as const;

/**
 * One key's value and TTL as the bytes a checkpoint and the append-only log hold:
 * `[format u8][type u8][expiresAt f64 LE, NaN = none][payload]`. Strings are raw bytes;
 * hashes, lists, sets and sorted sets are a u32 count, then u32-length-prefixed elements
 * (fields and members as latin1 bytes; a zset member is followed by its f64 score).
 */
export function encodeKvEntry(value: KvValue, expiresAt: number | undefined): Uint8Array {
  const parts: Uint8Array[] = [];
  let size = 10;
  const push = (b: Uint8Array): void => {
    parts.push(b);
    size += b.length;
  };
  const u32 = (n: number): Uint8Array => {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32LE(n, 0);
    return b;
  };
  const chunk = (b: Uint8Array): void => {
    push(u32(b.length));
    push(b);
  };
  switch (value.type) {
    case 'string':
      push(value.value);
      break;
    case 'hash':
      push(u32(value.value.size));
      for (const [f, v] of value.value) {
        chunk(Buffer.from(f, 'latin1'));
        chunk(v);
      }
      break;
    case 'list':
      push(u32(value.value.length));
      for (const v of value.value) chunk(v);
      break;
    case 'set':
      push(u32(value.value.size));
      for (const m of value.value) chunk(Buffer.from(m, 'latin1'));
      break;
    case 'zset':
      push(u32(value.value.size));
      for (const [m, score] of value.value) {
        chunk(Buffer.from(m, 'latin1'));
        const s = Buffer.allocUnsafe(8);
        s.writeDoubleLE(score, 0);
        push(s);
      }
      break;
  }
  const out = Buffer.allocUnsafe(size);
  out[0] = KV_ENTRY_FORMAT;
  out[1] = TYPE_CODES[value.type];
  out.writeDoubleLE(expiresAt ?? Number.NaN, 2);
  let at = 10;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Decodes {@link encodeKvEntry}'s bytes (copies: the result owns its buffers).
 * @throws ShnError `UNSUPPORTED_VERSION` for a newer format byte, `DATA_CORRUPT` for bytes that
 *   are not a whole entry (unknown type, a length past the end, trailing bytes).
 */
export function decodeKvEntry(bytes: Uint8Array): { value: KvValue; expiresAt: number | undefined } {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const bad = (why: string): ShnError => new ShnError('DATA_CORRUPT', `kv entry of ${b.length} bytes: ${why}`, { details: { reason: 'malformed' } });
  if (b.length < 10) throw bad('shorter than its 10-byte header');
  if (b[0] !== KV_ENTRY_FORMAT) {
    if ((b[0] ?? 0) > KV_ENTRY_FORMAT) throw new ShnError('UNSUPPORTED_VERSION', `kv entry format ${b[0]} is newer than ${KV_ENTRY_FORMAT}, the newest this build reads`);
    throw bad(`format byte ${b[0]} is not ${KV_ENTRY_FORMAT}`);
  }
  const at = b.readDoubleLE(2);
  const expiresAt = Number.isNaN(at) ? undefined : at;
  let off = 10;
  const u32 = (): number => {
    if (off + 4 > b.length) throw bad(`a count at byte ${off} runs past the end`);
    const n = b.readUInt32LE(off);
    off += 4;
    return n;
  };
  const chunk = (): Buffer => {
    const n = u32();
    if (off + n > b.length) throw bad(`an element of ${n} bytes at byte ${off} runs past the end`);
    const c = Buffer.from(b.subarray(off, off + n));
    off += n;
    return c;
  };
  let value: KvValue;
  switch (b[1]) {
    case TYPE_CODES.string:
      value = { type: 'string', value: Buffer.from(b.subarray(10)) };
      off = b.length;
      break;
    case TYPE_CODES.hash: {
      const m = new Map<string, Buffer>();
      for (let i = u32(); i > 0; i--) m.set(chunk().toString('latin1'), chunk());
      value = { type: 'hash', value: m };
      break;
    }
    case TYPE_CODES.list: {
      const l: Buffer[] = [];
      for (let i = u32(); i > 0; i--) l.push(chunk());
      value = { type: 'list', value: l };
      break;
    }
    case TYPE_CODES.set: {
      const s = new Set<string>();
      for (let i = u32(); i > 0; i--) s.add(chunk().toString('latin1'));
      value = { type: 'set', value: s };
      break;
    }
    case TYPE_CODES.zset: {
      const z = new Map<string, number>();
      for (let i = u32(); i > 0; i--) {
        const m = chunk().toString('latin1');
        if (off + 8 > b.length) throw bad(`a score at byte ${off} runs past the end`);
        z.set(m, b.readDoubleLE(off));
        off += 8;
      }
      value = { type: 'zset', value: z };
      break;
    }
    default:
      throw bad(`unknown type code ${b[1]}`);
  }
  if (off !== b.length) throw bad(`${b.length - off} trailing bytes`);
  return { value, expiresAt };
}

import { ShnError } from '@shn/core';
import type { KeyedState } from '@shn/checkpoint';

/** Append-only log record kinds: the EFFECT of a write, so replaying one already in a checkpoint is harmless. */
export const KV_RECORD = { put: 1, delete: 2, clear: 3 } as const;

/**
 * One logged effect: `[op u8][key length u32 LE][key latin1][entry bytes]`.
 * `put` carries the key's whole encoded entry (see kv-entry-codec), `delete` only the key,
 * `clear` (FLUSHALL) nothing.
 */
export function kvLogRecord(op: 1 | 2 | 3, key = '', entry?: Uint8Array): Uint8Array {
  const k = Buffer.from(key, 'latin1');
  const out = Buffer.allocUnsafe(5 + k.length + (entry?.length ?? 0));
  out[0] = op;
  out.writeUInt32LE(k.length, 1);
  out.set(k, 5);
  if (entry !== undefined) out.set(entry, 5 + k.length);
  return out;
}

/**
 * Applies one {@link kvLogRecord} to a shard's checkpointed state (restore and re-sharding).
 * @throws ShnError `DATA_CORRUPT` for a record that is not one (the log's CRC passed, so this
 *   means a foreign or buggy writer).
 */
export function applyKvLogRecord(state: KeyedState, rec: Uint8Array): void {
  const bad = (why: string): ShnError => new ShnError('DATA_CORRUPT', `kv log record of ${rec.length} bytes: ${why}`, { details: { reason: 'malformed' } });
  if (rec.length < 5) throw bad('shorter than its 5-byte header');
  const b = Buffer.from(rec.buffer, rec.byteOffset, rec.length);
  const len = b.readUInt32LE(1);
  if (5 + len > b.length) throw bad(`key length ${len} runs past the end`);
  const key = b.toString('latin1', 5, 5 + len);
  switch (b[0]) {
    case KV_RECORD.put:
      state.set(key, Uint8Array.prototype.slice.call(b, 5 + len));
      return;
    case KV_RECORD.delete:
      state.delete(key);
      return;
    case KV_RECORD.clear:
      state.clear();
      return;
    default:
      throw bad(`unknown op ${b[0]}`);
  }
}

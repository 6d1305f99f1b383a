import { ShnError } from '@shn/core';

/** "Here is what I have": per origin, the highest contiguous delta sequence received. */
export interface DigestMessage {
  readonly t: 'digest';
  readonly from: string;
  /** `[origin, seq]` pairs (plain arrays so the message crosses threads and wires unchanged). */
  readonly have: readonly (readonly [string, number])[];
}

/** One chunk of an encoded batch of deltas (or a full state), at most `maxMessageBytes` long. */
export interface ChunkMessage {
  readonly t: 'chunk';
  readonly from: string;
  /** Transfer id, unique per sender; a new transfer replaces an unfinished older one. */
  readonly transfer: number;
  readonly index: number;
  readonly total: number;
  readonly bytes: Uint8Array;
}

/** A message of the anti-entropy protocol. */
export type SyncMessage = DigestMessage | ChunkMessage;

/** The envelope type anti-entropy messages travel under. */
export const SYNC_ENVELOPE_TYPE = 'crdt.sync';

function bad(message: string): never {
  throw new ShnError('PROTOCOL_ERROR', `crdt anti-entropy: ${message}`);
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Checks that an untrusted value is a well-formed {@link SyncMessage}.
 * @throws ShnError `PROTOCOL_ERROR` otherwise.
 */
export function parseSyncMessage(value: unknown): SyncMessage {
  if (typeof value !== 'object' || value === null) bad('message is not an object');
  const m = value as Record<string, unknown>;
  if (typeof m.from !== 'string' || m.from.length === 0) bad('missing sender');
  if (m.t === 'digest') {
    if (!Array.isArray(m.have)) bad('digest without entries');
    for (const e of m.have as unknown[]) {
      if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || !isCount(e[1])) bad('bad digest entry');
    }
    return m as unknown as DigestMessage;
  }
  if (m.t === 'chunk') {
    if (!isCount(m.transfer) || !isCount(m.index) || !isCount(m.total) || m.total < 1 || m.index >= m.total) bad('bad chunk numbering');
    if (!(m.bytes instanceof Uint8Array)) bad('chunk without bytes');
    return m as unknown as ChunkMessage;
  }
  return bad(`unknown message kind ${String(m.t)}`);
}

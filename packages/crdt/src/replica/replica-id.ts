import { ShnError, isWellFormedUtf16 } from '@shn/core';

/** The longest replica id, in UTF-16 code units: the one limit of every CRDT type, replica and the text CRDT. */
export const MAX_REPLICA_ID_LENGTH = 1024;

/**
 * Checks a replica id: the one rule for every type, {@link Replica}, the anti-entropy node and
 * the text CRDT. A replica id is a non-empty, well-formed string (no lone surrogate: the
 * encoding carries ids as UTF-8) of at most {@link MAX_REPLICA_ID_LENGTH} UTF-16 code units.
 * @param what - names the value in the message (default `replica id`).
 * @returns the id, unchanged.
 * @throws ShnError `INVALID_ARGUMENT` naming what was wrong (type, empty, length and the limit,
 * lone surrogate).
 */
export function checkReplicaId(id: unknown, what = 'replica id'): string {
  if (typeof id !== 'string') {
    throw new ShnError('INVALID_ARGUMENT', `${what} must be a string, got ${id === null ? 'null' : typeof id}`);
  }
  if (id.length === 0) throw new ShnError('INVALID_ARGUMENT', `${what} must not be empty`);
  if (id.length > MAX_REPLICA_ID_LENGTH) {
    throw new ShnError('INVALID_ARGUMENT', `${what} is ${id.length} UTF-16 code units long; the limit is ${MAX_REPLICA_ID_LENGTH}`);
  }
  if (!isWellFormedUtf16(id)) throw new ShnError('INVALID_ARGUMENT', `${what} must be well-formed UTF-16 (it has a lone surrogate)`);
  return id;
}

/**
 * Checks a set element or map key (`what` names it in the message). Elements are strings:
 * anything else would change on the way through the encoding (42 would come back as "42"),
 * and so would a string with a lone surrogate.
 * @throws ShnError `INVALID_ARGUMENT` unless `value` is a well-formed string.
 */
export function checkElement(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new ShnError('INVALID_ARGUMENT', `${what} must be a string, got ${value === null ? 'null' : typeof value}`);
  if (!isWellFormedUtf16(value)) throw new ShnError('INVALID_ARGUMENT', `${what} must be well-formed UTF-16 (it has a lone surrogate)`);
  return value;
}

/**
 * The replica id of one incarnation of a logical replica: `${base}#${incarnation}`.
 *
 * The rule (the hazard Yjs documents for client ids): a replica id names one unbroken
 * history of events. A replica restored from a checkpoint has forgotten the events it
 * issued after that checkpoint, while other replicas still remember them; if it kept its
 * id it would reissue the same dots / counter slots, and others would discard its new
 * adds as already seen or take max() over its counter slot and lose increments. So every
 * restore runs under a new id: bump a durable incarnation counter (or draw a random id)
 * and pass `incarnationId(base, next)` to `Replica.restore`.
 *
 * @throws ShnError `INVALID_ARGUMENT` for a bad base or a negative / non-integer incarnation.
 */
export function incarnationId(base: string, incarnation: number): string {
  checkReplicaId(base);
  if (!Number.isSafeInteger(incarnation) || incarnation < 0) {
    throw new ShnError('INVALID_ARGUMENT', `incarnation must be a non-negative integer, got ${incarnation}`);
  }
  return `${base}#${incarnation}`;
}

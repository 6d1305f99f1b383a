import { ShnError, isWellFormedUtf16 } from '@shn/core';

/**
 * Checks a replica id. @throws ShnError `INVALID_ARGUMENT` unless a non-empty, well-formed
 * string of at most 256 characters.
 */
export function checkReplicaId(id: string): void {
  if (typeof id !== 'string' || id.length === 0 || id.length > 256 || !isWellFormedUtf16(id)) {
    throw new ShnError('INVALID_ARGUMENT', 'a replica id must be a non-empty, well-formed string of at most 256 characters');
  }
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

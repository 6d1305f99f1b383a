import { ShnError } from '@shn/core';

/** The parts of a W3C `traceparent` header (version 00). */
export interface TraceParent {
  /** 32 lower-case hex digits, not all zero. */
  readonly traceId: string;
  /** 16 lower-case hex digits, not all zero (the parent span). */
  readonly spanId: string;
  /** The trace flags byte; bit 0 is `sampled`. */
  readonly traceFlags: number;
}

const ZERO_TRACE = '00000000000000000000000000000000';
const ZERO_SPAN = '0000000000000000';
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Parses a W3C `traceparent` header value (https://www.w3.org/TR/trace-context/#traceparent-header).
 * Returns undefined for anything malformed (wrong length or case, version `ff`, all-zero ids,
 * extra fields on version 00): a bad header starts a new trace, it never fails the message.
 */
export function parseTraceparent(value: string | undefined): TraceParent | undefined {
  // By hand rather than by regular expression: every sampled message parses one.
  if (typeof value !== 'string' || value.length < 55 || value.length > 512) return undefined;
  if (value.charCodeAt(2) !== DASH || value.charCodeAt(35) !== DASH || value.charCodeAt(52) !== DASH) return undefined;
  if (!isLowerHex(value, 0, 2) || !isLowerHex(value, 3, 35) || !isLowerHex(value, 36, 52) || !isLowerHex(value, 53, 55)) return undefined;
  const version = value.slice(0, 2);
  if (version === 'ff') return undefined;
  // Version 00 has exactly four fields; a later version may add fields after a dash.
  if (value.length > 55 && (version === '00' || value.charCodeAt(55) !== DASH)) return undefined;
  const traceId = value.slice(3, 35);
  const spanId = value.slice(36, 52);
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, traceFlags: hexValue(value.charCodeAt(53)) * 16 + hexValue(value.charCodeAt(54)) };
}

const DASH = 45;

/** Whether `s[from, to)` is all lower-case hex digits. */
function isLowerHex(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** The value of one lower-case hex digit (already checked). */
function hexValue(c: number): number {
  return c <= 57 ? c - 48 : c - 87;
}

/**
 * Formats a version-00 `traceparent` header value.
 * @throws ShnError `INVALID_ARGUMENT` if an id is not lower-case hex of the right length or the flags are not a byte.
 */
export function formatTraceparent(parent: TraceParent): string {
  const { traceId, spanId, traceFlags } = parent;
  if (!/^[0-9a-f]{32}$/.test(traceId) || traceId === ZERO_TRACE) {
    throw new ShnError('INVALID_ARGUMENT', `traceId must be 32 lower-case hex digits, not all zero, got ${JSON.stringify(traceId)}`);
  }
  if (!/^[0-9a-f]{16}$/.test(spanId) || spanId === ZERO_SPAN) {
    throw new ShnError('INVALID_ARGUMENT', `spanId must be 16 lower-case hex digits, not all zero, got ${JSON.stringify(spanId)}`);
  }
  if (!Number.isInteger(traceFlags) || traceFlags < 0 || traceFlags > 255) {
    throw new ShnError('INVALID_ARGUMENT', `traceFlags must be an integer in [0, 255], got ${String(traceFlags)}`);
  }
  return `00-${traceId}-${spanId}-${HEX[traceFlags] as string}`;
}

/** The same as {@link formatTraceparent} for ids already known to be valid (an SDK's span context); no checks. */
export function formatTrustedTraceparent(traceId: string, spanId: string, traceFlags: number): string {
  return `00-${traceId}-${spanId}-${HEX[traceFlags & 0xff] as string}`;
}

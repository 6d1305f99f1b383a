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

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '00000000000000000000000000000000';
const ZERO_SPAN = '0000000000000000';
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * Parses a W3C `traceparent` header value (https://www.w3.org/TR/trace-context/#traceparent-header).
 * Returns undefined for anything malformed (wrong length or case, version `ff`, all-zero ids,
 * extra fields on version 00): a bad header starts a new trace, it never fails the message.
 */
export function parseTraceparent(value: string | undefined): TraceParent | undefined {
  if (value === undefined || value.length < 55 || value.length > 512) return undefined;
  const m = TRACEPARENT.exec(value);
  if (m === null) return undefined;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, traceFlags: parseInt(flags, 16) };
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

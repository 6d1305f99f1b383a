import { ShnError } from '@shn/core';

/** Redis's exact protocol error replies (the text after `-`). */
export const PROTOCOL_ERRORS = Object.freeze({
  invalidBulkLength: 'ERR Protocol error: invalid bulk length',
  invalidMultibulkLength: 'ERR Protocol error: invalid multibulk length',
  unbalancedQuotes: 'ERR Protocol error: unbalanced quotes in request',
  tooBigInline: 'ERR Protocol error: too big inline request',
  tooBigMultibulkCount: 'ERR Protocol error: too big mbulk count string',
  tooBigBulkCount: 'ERR Protocol error: too big bulk count string',
});

/** `ERR Protocol error: expected '$', got 'x'`, with CR/LF shown as spaces as Redis does. */
export function expectedDollarMessage(got: number): string {
  const ch = got === 0x0d || got === 0x0a ? ' ' : String.fromCharCode(got);
  return `ERR Protocol error: expected '$', got '${ch}'`;
}

/**
 * Builds the ShnError the parser throws: code `PROTOCOL_ERROR`, and `details.reply` holding
 * the exact error line to send to the client before closing the connection.
 */
export function protocolError(reply: string): ShnError {
  return new ShnError('PROTOCOL_ERROR', reply, { details: { reply } });
}

/** The reply text carried by a parser ShnError (falls back to its message). */
export function protocolErrorReply(err: ShnError): string {
  const reply = err.details?.['reply'];
  return typeof reply === 'string' ? reply : `ERR Protocol error: ${err.message}`;
}

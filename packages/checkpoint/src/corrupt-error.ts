import { ShnError } from '@shn/core';

/** Why a stored file or record was refused; in `details.reason` of the {@link ShnError}. */
export type CorruptReason = 'truncated' | 'checksum' | 'bad-magic' | 'malformed' | 'newer-version' | 'foreign-node' | 'foreign-actor' | 'broken-chain';

/**
 * A `DATA_CORRUPT` error naming what failed and where (`details.reason`, `details.where`), or
 * `UNSUPPORTED_VERSION` for `newer-version`.
 */
export function corruptError(reason: CorruptReason, where: string, message: string, details: Record<string, unknown> = {}): ShnError {
  const code = reason === 'newer-version' ? 'UNSUPPORTED_VERSION' : 'DATA_CORRUPT';
  return new ShnError(code, `${where}: ${message}`, { details: { reason, where, ...details } });
}

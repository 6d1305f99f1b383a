import { ShnError } from '@shn/core';

/** The largest plaintext a sealer accepts by default: 256 MiB (AES-GCM's own bound is ~64 GiB). */
export const DEFAULT_MAX_SEAL_BYTES = 256 * 1024 * 1024;

/** Checks a `maxBytes` option. @throws ShnError `INVALID_ARGUMENT` unless an integer in [1, 2^31 - 1]. */
export function checkMaxBytes(value: number | undefined): number {
  const v = value ?? DEFAULT_MAX_SEAL_BYTES;
  if (!Number.isSafeInteger(v) || v < 1 || v > 2 ** 31 - 1) {
    throw new ShnError('INVALID_ARGUMENT', `maxBytes must be an integer in [1, 2^31 - 1], got ${String(value)}`);
  }
  return v;
}

/** Checks the inputs of a seal. @throws ShnError `INVALID_ARGUMENT` for non-bytes or plaintext over `maxBytes`. */
export function checkSealInput(plain: unknown, aad: unknown, maxBytes: number): void {
  if (!(plain instanceof Uint8Array)) throw new ShnError('INVALID_ARGUMENT', 'seal: plain must be a Uint8Array');
  if (!(aad instanceof Uint8Array)) throw new ShnError('INVALID_ARGUMENT', 'seal: aad must be a Uint8Array');
  if (plain.length > maxBytes) {
    throw new ShnError('INVALID_ARGUMENT', `seal: plaintext of ${plain.length} bytes exceeds maxBytes ${maxBytes}`, {
      details: { length: plain.length, limit: maxBytes },
    });
  }
}

/** Checks the inputs of an open. @throws ShnError `INVALID_ARGUMENT` for non-bytes. */
export function checkOpenInput(sealed: unknown, aad: unknown): void {
  if (!(sealed instanceof Uint8Array)) throw new ShnError('INVALID_ARGUMENT', 'open: sealed must be a Uint8Array');
  if (!(aad instanceof Uint8Array)) throw new ShnError('INVALID_ARGUMENT', 'open: aad must be a Uint8Array');
}

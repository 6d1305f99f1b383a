import { scrypt } from 'node:crypto';
import { ShnError } from '@shn/core';
import { AEAD_KEY_BYTES } from './aead-algorithm.js';
import { cryptoRandomBytes } from './random-source.js';
import type { RandomBytes } from './random-source.js';

/** scrypt cost parameters. */
export interface ScryptParams {
  /** CPU/memory cost, a power of two in [2^14, 2^22]; default 2^17 (OWASP's minimum with r = 8, p = 1). */
  readonly N: number;
  /** Block size, in [1, 32]; default 8. */
  readonly r: number;
  /** Parallelism, in [1, 16]; default 1. */
  readonly p: number;
  /** Salt, at least 16 bytes; random per passphrase, stored next to the data. */
  readonly salt: Uint8Array;
}

/** OWASP's scrypt recommendation: N = 2^17, r = 8, p = 1 (128 MiB, ~0.3 s on a laptop core). */
export const DEFAULT_SCRYPT = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });

/**
 * Fills in scrypt defaults and a fresh 16-byte random salt.
 * @throws ShnError `INVALID_ARGUMENT` for parameters outside the documented ranges.
 */
export function scryptParams(partial: Partial<ScryptParams> = {}, randomBytes: RandomBytes = cryptoRandomBytes): ScryptParams {
  const N = partial.N ?? DEFAULT_SCRYPT.N;
  const r = partial.r ?? DEFAULT_SCRYPT.r;
  const p = partial.p ?? DEFAULT_SCRYPT.p;
  const salt = partial.salt ?? randomBytes(16);
  if (!Number.isSafeInteger(N) || N < 2 ** 14 || N > 2 ** 22 || (N & (N - 1)) !== 0) {
    throw new ShnError('INVALID_ARGUMENT', `scrypt N must be a power of two in [2^14, 2^22], got ${String(N)}`);
  }
  if (!Number.isInteger(r) || r < 1 || r > 32) throw new ShnError('INVALID_ARGUMENT', `scrypt r must be in [1, 32], got ${String(r)}`);
  if (!Number.isInteger(p) || p < 1 || p > 16) throw new ShnError('INVALID_ARGUMENT', `scrypt p must be in [1, 16], got ${String(p)}`);
  if (!(salt instanceof Uint8Array) || salt.length < 16 || salt.length > 1024) {
    throw new ShnError('INVALID_ARGUMENT', `scrypt salt must be 16 to 1024 bytes, got ${salt instanceof Uint8Array ? salt.length : typeof salt}`);
  }
  return { N, r, p, salt };
}

/**
 * Derives a 256-bit key from a passphrase with scrypt (asynchronous, on libuv's thread pool).
 * Store the returned `params` (they are not secret) to derive the same key again.
 * @throws ShnError `INVALID_ARGUMENT` for an empty passphrase or bad params; `SEAL_FAILED` if scrypt fails.
 */
export async function deriveKeyFromPassphrase(
  passphrase: string | Uint8Array,
  params: Partial<ScryptParams> = {},
): Promise<{ readonly key: Uint8Array; readonly params: ScryptParams }> {
  if ((typeof passphrase !== 'string' && !(passphrase instanceof Uint8Array)) || passphrase.length === 0) {
    throw new ShnError('INVALID_ARGUMENT', 'passphrase must be a non-empty string or Uint8Array');
  }
  if (passphrase.length > 4096) throw new ShnError('INVALID_ARGUMENT', `passphrase longer than 4096, got ${passphrase.length}`);
  const full = scryptParams(params);
  const maxmem = 128 * full.N * full.r * full.p + 32 * 1024 * 1024;
  const key = await new Promise<Buffer>((resolve, reject) => {
    scrypt(passphrase, full.salt, AEAD_KEY_BYTES, { N: full.N, r: full.r, p: full.p, maxmem }, (err, derived) => {
      if (err !== null) reject(new ShnError('SEAL_FAILED', `scrypt failed: ${err.message}`, { cause: err }));
      else resolve(derived);
    });
  });
  return { key, params: full };
}

/** Encodes scrypt params as `scrypt$N$r$p$<base64url salt>` for storage next to sealed data. */
export function formatScryptParams(params: ScryptParams): string {
  return `scrypt$${params.N}$${params.r}$${params.p}$${Buffer.from(params.salt).toString('base64url')}`;
}

/**
 * Parses {@link formatScryptParams} output.
 * @throws ShnError `INVALID_ARGUMENT` for anything else (the message names the bad field).
 */
export function parseScryptParams(text: string): ScryptParams {
  if (typeof text !== 'string' || text.length > 2048) throw new ShnError('INVALID_ARGUMENT', 'scrypt params must be a string of at most 2048 chars');
  const m = /^scrypt\$(\d{1,8})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]+)$/.exec(text);
  if (m === null) throw new ShnError('INVALID_ARGUMENT', 'scrypt params must look like scrypt$N$r$p$<base64url salt>');
  return scryptParams({ N: Number(m[1]), r: Number(m[2]), p: Number(m[3]), salt: Buffer.from(m[4] as string, 'base64url') });
}

import { createCipheriv, createDecipheriv } from 'node:crypto';
import { ShnError } from '@shn/core';

/** The AEAD ciphers a sealer can use. Both take a 256-bit key, a 96-bit nonce and make a 128-bit tag. */
export type AeadAlgorithm = 'aes-256-gcm' | 'chacha20-poly1305';

/** Key length of every {@link AeadAlgorithm}, bytes. */
export const AEAD_KEY_BYTES = 32;
/** Nonce length, bytes (96 bits; random per message). */
export const AEAD_NONCE_BYTES = 12;
/** Authentication tag length, bytes. */
export const AEAD_TAG_BYTES = 16;

/** The one-byte id of each algorithm in a sealed blob. */
export const ALGORITHM_IDS: Readonly<Record<AeadAlgorithm, number>> = Object.freeze({
  'aes-256-gcm': 1,
  'chacha20-poly1305': 2,
});

/**
 * The algorithm with blob id `id`.
 * @throws ShnError `UNSUPPORTED_VERSION` for an id this version does not know.
 */
export function algorithmOfId(id: number): AeadAlgorithm {
  if (id === 1) return 'aes-256-gcm';
  if (id === 2) return 'chacha20-poly1305';
  throw new ShnError('UNSUPPORTED_VERSION', `sealed blob: unknown algorithm id ${id} (known: 1 aes-256-gcm, 2 chacha20-poly1305)`);
}

/**
 * Checks that `alg` is a supported algorithm name.
 * @throws ShnError `INVALID_ARGUMENT` otherwise.
 */
export function checkAlgorithm(alg: unknown): AeadAlgorithm {
  if (alg !== 'aes-256-gcm' && alg !== 'chacha20-poly1305') {
    throw new ShnError('INVALID_ARGUMENT', `algorithm must be 'aes-256-gcm' or 'chacha20-poly1305', got ${String(alg)}`);
  }
  return alg;
}

/**
 * Encrypts `plain` with `key` and `nonce`, authenticating `aadParts` in order (as one
 * concatenated byte string). Returns `[ciphertext..., tag]` pieces for the caller to place
 * after its header in one copy. Low level: callers own nonce uniqueness. Synchronous.
 */
export function aeadEncryptParts(alg: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array, plain: Uint8Array, aadParts: readonly Uint8Array[]): Buffer[] {
  // Both algorithms take the same calls; the cast only picks one overload of createCipheriv.
  const c = createCipheriv(alg as 'aes-256-gcm', key, nonce, { authTagLength: AEAD_TAG_BYTES });
  for (const part of aadParts) if (part.length > 0) c.setAAD(part);
  const head = c.update(plain);
  const tail = c.final();
  return [head, tail, c.getAuthTag()];
}

/** {@link aeadEncryptParts} as one buffer: ciphertext followed by the 16-byte tag. */
export function aeadEncrypt(alg: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array, plain: Uint8Array, aad: Uint8Array): Buffer {
  return Buffer.concat(aeadEncryptParts(alg, key, nonce, plain, [aad]));
}

/**
 * Verifies and decrypts `sealed` (ciphertext || tag).
 * @throws ShnError `SEAL_FAILED` when the tag does not verify (wrong key, nonce, aad or tampered bytes); nothing is returned then.
 */
export function aeadDecrypt(alg: AeadAlgorithm, key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array | readonly Uint8Array[]): Buffer {
  if (sealed.length < AEAD_TAG_BYTES) {
    throw new ShnError('SEAL_FAILED', `sealed bytes too short: ${sealed.length} < ${AEAD_TAG_BYTES}-byte tag`);
  }
  const body = sealed.subarray(0, sealed.length - AEAD_TAG_BYTES);
  const tag = sealed.subarray(sealed.length - AEAD_TAG_BYTES);
  try {
    const d = createDecipheriv(alg as 'aes-256-gcm', key, nonce, { authTagLength: AEAD_TAG_BYTES });
    d.setAuthTag(tag);
    for (const part of aad instanceof Uint8Array ? [aad] : aad) if (part.length > 0) d.setAAD(part);
    const head = d.update(body);
    const tail = d.final();
    return Buffer.concat([head, tail]);
  } catch (cause) {
    throw new ShnError('SEAL_FAILED', `${alg}: authentication failed (wrong key, wrong additional data or tampered bytes)`, { cause });
  }
}

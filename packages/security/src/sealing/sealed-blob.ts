import { ShnError } from '@shn/core';
import { AEAD_NONCE_BYTES, AEAD_TAG_BYTES, algorithmOfId } from './aead-algorithm.js';
import type { AeadAlgorithm } from './aead-algorithm.js';

/** The sealed-blob format version this package writes and reads. */
export const SEALED_BLOB_VERSION = 1;
/** Mode byte: the data is sealed directly under a keyring key. */
export const MODE_DIRECT = 1;
/** Mode byte: the data is sealed under a fresh data key, which is wrapped by a key-encryption key. */
export const MODE_ENVELOPE = 2;
/** Longest key id, bytes. Key ids are `[A-Za-z0-9._:-]{1,64}`. */
export const MAX_KEY_ID_LENGTH = 64;

const KEY_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Checks a key id: 1 to 64 characters of `[A-Za-z0-9._:-]`.
 * @throws ShnError `INVALID_ARGUMENT` otherwise.
 */
export function checkKeyId(id: unknown): string {
  if (typeof id !== 'string' || !KEY_ID.test(id)) {
    throw new ShnError('INVALID_ARGUMENT', `key id must match [A-Za-z0-9._:-]{1,64}, got ${JSON.stringify(id)}`);
  }
  return id;
}

/** The parts of a sealed blob, as views into the original bytes. */
export interface SealedBlobParts {
  readonly version: number;
  readonly mode: typeof MODE_DIRECT | typeof MODE_ENVELOPE;
  readonly algorithm: AeadAlgorithm;
  /** The id of the key that sealed the data (direct) or wrapped the data key (envelope). */
  readonly keyId: string;
  /** Envelope mode: the wrapped data key (nonce || ciphertext || tag); empty in direct mode. */
  readonly wrappedKey: Uint8Array;
  /** The bytes bound as additional data in front of the caller's aad (see the README's format table). */
  readonly boundHeader: Uint8Array;
  /** The header up to and including the key id (what a data-key wrap binds). */
  readonly keyHeader: Uint8Array;
  readonly nonce: Uint8Array;
  /** Ciphertext followed by the 16-byte tag. */
  readonly sealed: Uint8Array;
}

/**
 * Writes the header of a blob: version, mode, algorithm id, key id (length-prefixed) and, in
 * envelope mode, the wrapped data key (length-prefixed).
 */
export function writeBlobHeader(mode: number, algorithmId: number, keyId: string, wrappedKey: Uint8Array | undefined): Buffer {
  const kid = Buffer.from(keyId, 'latin1');
  const wrapLen = wrappedKey === undefined ? 0 : 1 + wrappedKey.length;
  const out = Buffer.allocUnsafe(4 + kid.length + wrapLen);
  out[0] = SEALED_BLOB_VERSION;
  out[1] = mode;
  out[2] = algorithmId;
  out[3] = kid.length;
  kid.copy(out, 4);
  if (wrappedKey !== undefined) {
    out[4 + kid.length] = wrappedKey.length;
    out.set(wrappedKey, 5 + kid.length);
  }
  return out;
}

function corrupt(what: string): ShnError {
  return new ShnError('SEAL_FAILED', `sealed blob is malformed: ${what}`, { details: { reason: 'malformed' } });
}

/**
 * Splits a sealed blob into its parts without decrypting anything.
 * @throws ShnError `UNSUPPORTED_VERSION` for an unknown version, mode or algorithm; `SEAL_FAILED`
 * for anything truncated or malformed (the message names the field and its limit).
 */
export function parseSealedBlob(bytes: Uint8Array): SealedBlobParts {
  if (!(bytes instanceof Uint8Array)) throw new ShnError('INVALID_ARGUMENT', 'sealed blob must be a Uint8Array');
  if (bytes.length < 4) throw corrupt(`${bytes.length} bytes is shorter than the 4-byte header`);
  const version = bytes[0] as number;
  if (version !== SEALED_BLOB_VERSION) {
    throw new ShnError('UNSUPPORTED_VERSION', `sealed blob version ${version}; this build reads version ${SEALED_BLOB_VERSION}`);
  }
  const mode = bytes[1] as number;
  if (mode !== MODE_DIRECT && mode !== MODE_ENVELOPE) {
    throw new ShnError('UNSUPPORTED_VERSION', `sealed blob mode ${mode}; known: 1 direct, 2 envelope`);
  }
  const algorithm = algorithmOfId(bytes[2] as number);
  const kidLen = bytes[3] as number;
  if (kidLen < 1 || kidLen > MAX_KEY_ID_LENGTH) throw corrupt(`key id length ${kidLen} not in [1, ${MAX_KEY_ID_LENGTH}]`);
  let at = 4 + kidLen;
  if (bytes.length < at) throw corrupt(`truncated in the key id (${bytes.length} bytes)`);
  const keyId = Buffer.from(bytes.buffer, bytes.byteOffset + 4, kidLen).toString('latin1');
  if (!KEY_ID.test(keyId)) throw corrupt('key id has characters outside [A-Za-z0-9._:-]');
  const keyHeader = bytes.subarray(0, at);
  let wrappedKey: Uint8Array = new Uint8Array(0);
  if (mode === MODE_ENVELOPE) {
    if (bytes.length < at + 1) throw corrupt('truncated before the wrapped data key');
    const wLen = bytes[at] as number;
    if (wLen < AEAD_NONCE_BYTES + AEAD_TAG_BYTES + 1) throw corrupt(`wrapped data key length ${wLen} is too short`);
    if (bytes.length < at + 1 + wLen) throw corrupt('truncated in the wrapped data key');
    wrappedKey = bytes.subarray(at + 1, at + 1 + wLen);
    at += 1 + wLen;
  }
  if (bytes.length < at + AEAD_NONCE_BYTES + AEAD_TAG_BYTES) {
    throw corrupt(`${bytes.length} bytes cannot hold the header, a ${AEAD_NONCE_BYTES}-byte nonce and a ${AEAD_TAG_BYTES}-byte tag`);
  }
  const nonce = bytes.subarray(at, at + AEAD_NONCE_BYTES);
  const sealed = bytes.subarray(at + AEAD_NONCE_BYTES);
  // Direct mode binds the whole header; envelope mode binds version/mode/algorithm only, so a
  // re-wrap under a new key-encryption key leaves the data ciphertext valid.
  const boundHeader = mode === MODE_DIRECT ? keyHeader : bytes.subarray(0, 3);
  return { version, mode, algorithm, keyId, wrappedKey, boundHeader, keyHeader, nonce, sealed };
}

/** `a || b` as one buffer (used to prefix the caller's aad with the bound header). */
export function concatBytes(a: Uint8Array, b: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

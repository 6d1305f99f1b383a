import { SyncSealer } from './sync-sealer.js';
import { ShnError } from '@shn/core';
import { AEAD_KEY_BYTES, AEAD_NONCE_BYTES, ALGORITHM_IDS, aeadDecrypt, aeadEncrypt, aeadEncryptParts, checkAlgorithm } from './aead-algorithm.js';
import type { AeadAlgorithm } from './aead-algorithm.js';
import type { Keyring } from './keyring.js';
import { cryptoRandomBytes } from './random-source.js';
import type { RandomBytes } from './random-source.js';
import { checkMaxBytes, checkOpenInput, checkSealInput } from './seal-limits.js';
import { MODE_ENVELOPE, concatBytes, parseSealedBlob, writeBlobHeader } from './sealed-blob.js';
import type { SealedBlobParts } from './sealed-blob.js';

/** Options for {@link EnvelopeSealer}. */
export interface EnvelopeSealerOptions {
  /** The key-encryption keys (KEKs): the primary wraps new data keys, any held key unwraps. */
  readonly kek: Keyring;
  /** Default `'aes-256-gcm'`; used for both the data and the data-key wrap. */
  readonly algorithm?: AeadAlgorithm;
  /** Largest plaintext, bytes; default 256 MiB. */
  readonly maxBytes?: number;
  readonly randomBytes?: RandomBytes;
}

const WRAP_LABEL = Buffer.from('shn-dek-wrap-v1', 'latin1');

/**
 * Envelope encryption: every seal draws a fresh 256-bit data key (DEK), seals the data with it,
 * and wraps the DEK with the keyring's primary key-encryption key (KEK). The blob carries the
 * wrapped DEK and the KEK's id. {@link EnvelopeSealer.rewrap} moves a blob to the current KEK by
 * re-wrapping only its 60-byte data key: the data ciphertext is copied unchanged. Each seal
 * counts one use of the KEK (the wrap), and every DEK seals exactly one message.
 */
export class EnvelopeSealer extends SyncSealer {
  /** The algorithm new seals (data and key wrap) use. */
  readonly algorithm: AeadAlgorithm;
  readonly #kek: Keyring;
  readonly #maxBytes: number;
  readonly #random: RandomBytes;

  /** @throws ShnError `INVALID_ARGUMENT` for a bad algorithm or maxBytes. */
  constructor(options: EnvelopeSealerOptions) {
    super();
    if (typeof options?.kek?.useForSeal !== 'function') throw new ShnError('INVALID_ARGUMENT', 'EnvelopeSealer needs a kek keyring');
    this.#kek = options.kek;
    this.algorithm = checkAlgorithm(options.algorithm ?? 'aes-256-gcm');
    this.#maxBytes = checkMaxBytes(options.maxBytes);
    this.#random = options.randomBytes ?? cryptoRandomBytes;
  }

  /**
   * Synchronous seal.
   * @throws ShnError `INVALID_ARGUMENT` for bad input or plaintext over maxBytes; `SEAL_FAILED` for an empty keyring.
   */
  sealSync(plain: Uint8Array, aad: Uint8Array): Uint8Array {
    checkSealInput(plain, aad, this.#maxBytes);
    const algId = ALGORITHM_IDS[this.algorithm];
    const dek = this.#random(AEAD_KEY_BYTES);
    try {
      const head = Buffer.from([1, MODE_ENVELOPE, algId]);
      const nonce = this.#random(AEAD_NONCE_BYTES);
      const body = aeadEncryptParts(this.algorithm, dek, nonce, plain, [head, aad]);
      const header = this.#wrapHeader(this.algorithm, dek);
      return Buffer.concat([header, nonce, ...body]);
    } finally {
      dek.fill(0);
    }
  }

  /**
   * Synchronous open.
   * @throws ShnError `SEAL_FAILED` for an unknown (retired) KEK, a wrong aad, tampered or truncated
   * bytes; `UNSUPPORTED_VERSION` for an unknown format version or algorithm.
   */
  openSync(sealed: Uint8Array, aad: Uint8Array): Uint8Array {
    checkOpenInput(sealed, aad);
    const parts = this.#parse(sealed);
    const dek = this.#unwrap(parts);
    try {
      return aeadDecrypt(parts.algorithm, dek, parts.nonce, parts.sealed, [parts.boundHeader, aad]);
    } finally {
      dek.fill(0);
    }
  }

  /**
   * Re-wraps a blob's data key under the current primary KEK. The data ciphertext, nonce and
   * tag are copied unchanged; no aad is needed because the data itself is not touched.
   * Returns the blob unchanged when it is already under the primary KEK.
   * @throws ShnError as {@link EnvelopeSealer.openSync} does, for the data-key part.
   */
  rewrap(sealed: Uint8Array): Uint8Array {
    if (!(sealed instanceof Uint8Array)) throw new ShnError('INVALID_ARGUMENT', 'rewrap: sealed must be a Uint8Array');
    const parts = this.#parse(sealed);
    if (parts.keyId === this.#kek.primaryId) return sealed;
    const dek = this.#unwrap(parts);
    try {
      const header = this.#wrapHeader(parts.algorithm, dek);
      const dataStart = parts.nonce.byteOffset - sealed.byteOffset;
      return Buffer.concat([header, sealed.subarray(dataStart)]);
    } finally {
      dek.fill(0);
    }
  }

  /** The KEK id a blob's data key is wrapped under (no decryption). @throws as `parseSealedBlob`. */
  keyIdOf(sealed: Uint8Array): string {
    return this.#parse(sealed).keyId;
  }

  #parse(sealed: Uint8Array): SealedBlobParts {
    const parts = parseSealedBlob(sealed);
    if (parts.mode !== MODE_ENVELOPE) {
      throw new ShnError('SEAL_FAILED', 'blob was sealed directly under a keyring key (mode 1); open it with a KeyringSealer');
    }
    return parts;
  }

  #wrapHeader(alg: AeadAlgorithm, dek: Uint8Array): Buffer {
    const algId = ALGORITHM_IDS[alg];
    const { id, key } = this.#kek.useForSeal();
    const keyHeader = writeBlobHeader(MODE_ENVELOPE, algId, id, undefined);
    const wrapNonce = this.#random(AEAD_NONCE_BYTES);
    const wrapped = Buffer.concat([wrapNonce, aeadEncrypt(alg, key, wrapNonce, dek, concatBytes(WRAP_LABEL, keyHeader))]);
    return writeBlobHeader(MODE_ENVELOPE, algId, id, wrapped);
  }

  #unwrap(parts: SealedBlobParts): Buffer {
    const kek = this.#kek.key(parts.keyId);
    if (kek === undefined) {
      throw new ShnError('SEAL_FAILED', `data key is wrapped under KEK ${parts.keyId}, which this keyring does not hold (retired or foreign)`, {
        details: { keyId: parts.keyId, reason: 'unknown-key' },
      });
    }
    const w = parts.wrappedKey;
    const dek = aeadDecrypt(parts.algorithm, kek, w.subarray(0, AEAD_NONCE_BYTES), w.subarray(AEAD_NONCE_BYTES), concatBytes(WRAP_LABEL, parts.keyHeader));
    if (dek.length !== AEAD_KEY_BYTES) {
      throw new ShnError('SEAL_FAILED', `unwrapped data key is ${dek.length} bytes, expected ${AEAD_KEY_BYTES}`);
    }
    return dek;
  }
}

import { SyncSealer } from './sync-sealer.js';
import { ShnError } from '@shn/core';
import { AEAD_NONCE_BYTES, ALGORITHM_IDS, aeadDecrypt, aeadEncryptParts, checkAlgorithm } from './aead-algorithm.js';
import type { AeadAlgorithm } from './aead-algorithm.js';
import type { Keyring } from './keyring.js';
import { cryptoRandomBytes } from './random-source.js';
import type { RandomBytes } from './random-source.js';
import { checkMaxBytes, checkOpenInput, checkSealInput } from './seal-limits.js';
import { MODE_DIRECT, parseSealedBlob, writeBlobHeader } from './sealed-blob.js';

/** Options for {@link KeyringSealer}. */
export interface KeyringSealerOptions {
  /** Where the keys come from; the primary seals, any held key opens. */
  readonly keyring: Keyring;
  /** Default `'aes-256-gcm'`. Opening reads the algorithm from the blob, so a sealer opens both. */
  readonly algorithm?: AeadAlgorithm;
  /** Largest plaintext, bytes; default 256 MiB. */
  readonly maxBytes?: number;
  readonly randomBytes?: RandomBytes;
}

/**
 * A {@link Sealer} that seals directly under the keyring's primary key with a random 96-bit
 * nonce. The blob names its key id and algorithm; both, with the caller's `aad`, are
 * authenticated. Use it for many small objects (checkpoints, messages). For large objects that
 * must survive key-encryption-key rotation without re-encryption, use {@link EnvelopeSealer}.
 */
export class KeyringSealer extends SyncSealer {
  /** The algorithm new seals use. */
  readonly algorithm: AeadAlgorithm;
  readonly #keyring: Keyring;
  readonly #maxBytes: number;
  readonly #random: RandomBytes;

  /** @throws ShnError `INVALID_ARGUMENT` for a bad algorithm or maxBytes. */
  constructor(options: KeyringSealerOptions) {
    super();
    if (typeof options?.keyring?.useForSeal !== 'function') throw new ShnError('INVALID_ARGUMENT', 'KeyringSealer needs a keyring');
    this.#keyring = options.keyring;
    this.algorithm = checkAlgorithm(options.algorithm ?? 'aes-256-gcm');
    this.#maxBytes = checkMaxBytes(options.maxBytes);
    this.#random = options.randomBytes ?? cryptoRandomBytes;
  }

  /**
   * Synchronous {@link KeyringSealer.seal}: `version || mode || alg || kidLen || kid || nonce || ciphertext || tag`.
   * @throws ShnError `INVALID_ARGUMENT` for bad input or plaintext over maxBytes; `SEAL_FAILED` for an empty keyring.
   */
  sealSync(plain: Uint8Array, aad: Uint8Array): Uint8Array {
    checkSealInput(plain, aad, this.#maxBytes);
    const { id, key } = this.#keyring.useForSeal();
    const header = writeBlobHeader(MODE_DIRECT, ALGORITHM_IDS[this.algorithm], id, undefined);
    const nonce = this.#random(AEAD_NONCE_BYTES);
    return Buffer.concat([header, nonce, ...aeadEncryptParts(this.algorithm, key, nonce, plain, [header, aad])]);
  }

  /**
   * Synchronous {@link KeyringSealer.open}.
   * @throws ShnError `SEAL_FAILED` for a wrong key, unknown (retired) key id, wrong aad, tampered or
   * truncated bytes; `UNSUPPORTED_VERSION` for a blob of an unknown format version or algorithm.
   */
  openSync(sealed: Uint8Array, aad: Uint8Array): Uint8Array {
    checkOpenInput(sealed, aad);
    const parts = parseSealedBlob(sealed);
    if (parts.mode !== MODE_DIRECT) {
      throw new ShnError('SEAL_FAILED', 'blob was sealed by an EnvelopeSealer (mode 2); open it with one');
    }
    const key = this.#keyring.key(parts.keyId);
    if (key === undefined) {
      throw new ShnError('SEAL_FAILED', `blob was sealed under key ${parts.keyId}, which this keyring does not hold (retired or foreign)`, {
        details: { keyId: parts.keyId, reason: 'unknown-key' },
      });
    }
    return aeadDecrypt(parts.algorithm, key, parts.nonce, parts.sealed, [parts.boundHeader, aad]);
  }
}

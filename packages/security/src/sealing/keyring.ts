import { ShnError, systemClock } from '@shn/core';
import type { Clock } from '@shn/core';
import { AEAD_KEY_BYTES } from './aead-algorithm.js';
import { cryptoRandomBytes } from './random-source.js';
import type { RandomBytes } from './random-source.js';
import { checkKeyId } from './sealed-blob.js';

/**
 * The default number of seal (or wrap) operations one key may perform before the keyring
 * rotates to a fresh key: 2^28.
 *
 * NIST SP 800-38D §8.3 caps AES-GCM with random 96-bit nonces at 2^32 invocations per key, so
 * that the chance of a repeated nonce stays below 2^-32; the same birthday bound applies to
 * ChaCha20-Poly1305 with random nonces. The count is kept per `Keyring` instance, in memory, so
 * 2^28 leaves room for 16 instances (threads, processes or restarts) sharing one key before the
 * NIST bound is reached. Lower it when more copies share a key.
 */
export const DEFAULT_MESSAGE_LIMIT = 2 ** 28;
/** The largest message limit accepted: NIST's 2^32. */
export const MAX_MESSAGE_LIMIT = 2 ** 32;

/** A key held by a {@link Keyring}. */
export interface KeyringEntry {
  readonly id: string;
  /** 32 bytes of key material. */
  readonly key: Uint8Array;
  /** Epoch ms when the key was added (from the keyring's Clock). */
  readonly addedAt: number;
  /** Seal/wrap operations performed with this key by this instance. */
  readonly uses: number;
}

/** A change a keyring reports to {@link KeyringOptions.onRotate}. */
export interface KeyRotation {
  readonly previous: string | undefined;
  readonly current: string;
  /** `limit`: the message limit was reached; `manual`: {@link Keyring.rotate} was called. */
  readonly reason: 'limit' | 'manual';
}

/** Options for {@link Keyring}. */
export interface KeyringOptions {
  /** Initial keys; the last one is primary unless `primary` names another. */
  readonly keys?: readonly { readonly id: string; readonly key: Uint8Array }[];
  /** Id of the key new seals use. */
  readonly primary?: string;
  /** Seals per key before an automatic rotation, in [1, 2^32]; default {@link DEFAULT_MESSAGE_LIMIT}. */
  readonly messageLimit?: number;
  /**
   * Whether the keyring may generate a fresh key by itself when the primary reaches its limit
   * (default true). When false, sealing past the limit fails with `SEAL_FAILED` until a new key
   * is added and made primary.
   */
  readonly autoRotate?: boolean;
  /** Called after every rotation (to persist the new key, log it, ...). Must not throw. */
  readonly onRotate?: (rotation: KeyRotation, keyring: Keyring) => void;
  readonly clock?: Clock;
  readonly randomBytes?: RandomBytes;
}

interface MutableEntry {
  id: string;
  key: Uint8Array;
  addedAt: number;
  uses: number;
}

/**
 * Keys by id, one of them primary. Sealers seal with the primary key and open with whichever
 * key id a blob names, so a rotation never makes old blobs unreadable until their key is
 * {@link Keyring.retire | retired}. Counts uses per key and rotates at the message limit.
 */
export class Keyring {
  /** Seals (or wraps) per key before rotation; see {@link DEFAULT_MESSAGE_LIMIT}. */
  readonly messageLimit: number;
  readonly #keys = new Map<string, MutableEntry>();
  readonly #autoRotate: boolean;
  readonly #onRotate: KeyringOptions['onRotate'];
  readonly #clock: Clock;
  readonly #random: RandomBytes;
  #primary: MutableEntry | undefined;
  #generated = 0;

  /** @throws ShnError `INVALID_ARGUMENT` for a bad key id, key length, duplicate id, limit or unknown primary. */
  constructor(options: KeyringOptions = {}) {
    const limit = options.messageLimit ?? DEFAULT_MESSAGE_LIMIT;
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_MESSAGE_LIMIT) {
      throw new ShnError('INVALID_ARGUMENT', `messageLimit must be an integer in [1, 2^32], got ${String(limit)}`);
    }
    this.messageLimit = limit;
    this.#autoRotate = options.autoRotate ?? true;
    this.#onRotate = options.onRotate;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.randomBytes ?? cryptoRandomBytes;
    for (const k of options.keys ?? []) this.add(k.id, k.key);
    if (options.primary !== undefined) this.setPrimary(options.primary);
  }

  /** A keyring holding one freshly generated key. */
  static generate(options: Omit<KeyringOptions, 'keys' | 'primary'> = {}): Keyring {
    const ring = new Keyring(options);
    ring.#addGenerated();
    return ring;
  }

  /** The id new seals use, or undefined when the keyring is empty. */
  get primaryId(): string | undefined {
    return this.#primary?.id;
  }

  /** Every key id, oldest first. */
  ids(): string[] {
    return [...this.#keys.keys()];
  }

  /** The entry for `id` (a snapshot), or undefined if the keyring does not hold it. */
  entry(id: string): KeyringEntry | undefined {
    const e = this.#keys.get(id);
    return e === undefined ? undefined : { id: e.id, key: e.key, addedAt: e.addedAt, uses: e.uses };
  }

  /** The key bytes for `id`, or undefined (retired or never known). */
  key(id: string): Uint8Array | undefined {
    return this.#keys.get(id)?.key;
  }

  /**
   * Adds a key; it becomes primary when the keyring had none or `makePrimary` is set.
   * @throws ShnError `INVALID_ARGUMENT` for a bad id, a key that is not 32 bytes, or a duplicate id.
   */
  add(id: string, key: Uint8Array, makePrimary = false): void {
    checkKeyId(id);
    if (!(key instanceof Uint8Array) || key.length !== AEAD_KEY_BYTES) {
      throw new ShnError('INVALID_ARGUMENT', `key ${id} must be ${AEAD_KEY_BYTES} bytes, got ${key instanceof Uint8Array ? key.length : typeof key}`);
    }
    if (this.#keys.has(id)) throw new ShnError('INVALID_ARGUMENT', `key id ${id} is already in the keyring`);
    const entry: MutableEntry = { id, key: Uint8Array.from(key), addedAt: this.#clock.now(), uses: 0 };
    this.#keys.set(id, entry);
    if (this.#primary === undefined || makePrimary) this.#primary = entry;
  }

  /**
   * Makes `id` the key new seals use.
   * @throws ShnError `INVALID_ARGUMENT` if the keyring does not hold `id`.
   */
  setPrimary(id: string): void {
    const e = this.#keys.get(id);
    if (e === undefined) throw new ShnError('INVALID_ARGUMENT', `primary key ${JSON.stringify(id)} is not in the keyring`);
    this.#primary = e;
  }

  /** Generates a fresh random key, makes it primary and returns its id. Old keys stay for opening. */
  rotate(): string {
    return this.#rotate('manual');
  }

  /**
   * Removes a key for good: blobs sealed under it can no longer be opened (`SEAL_FAILED`).
   * @throws ShnError `INVALID_ARGUMENT` when `id` is the primary key (rotate first).
   */
  retire(id: string): boolean {
    if (this.#primary?.id === id) throw new ShnError('INVALID_ARGUMENT', `key ${id} is primary; rotate before retiring it`);
    const e = this.#keys.get(id);
    if (e === undefined) return false;
    e.key.fill(0);
    this.#keys.delete(id);
    return true;
  }

  /**
   * The key to seal one message with: the primary, with its use counted. Rotates first when
   * the primary has reached the message limit.
   * @throws ShnError `SEAL_FAILED` when the keyring is empty, or at the limit with `autoRotate: false`.
   */
  useForSeal(): { readonly id: string; readonly key: Uint8Array } {
    let p = this.#primary;
    if (p === undefined) throw new ShnError('SEAL_FAILED', 'the keyring holds no key to seal with');
    if (p.uses >= this.messageLimit) {
      if (!this.#autoRotate) {
        throw new ShnError('SEAL_FAILED', `key ${p.id} reached its message limit of ${this.messageLimit}; add and promote a new key`, {
          details: { keyId: p.id, limit: this.messageLimit },
        });
      }
      this.#rotate('limit');
      p = this.#primary as MutableEntry;
    }
    p.uses++;
    return p;
  }

  #rotate(reason: KeyRotation['reason']): string {
    const previous = this.#primary?.id;
    const id = this.#addGenerated();
    this.#onRotate?.({ previous, current: id, reason }, this);
    return id;
  }

  #addGenerated(): string {
    let id: string;
    do {
      id = `k${this.#clock.now().toString(36)}-${Buffer.from(this.#random(4)).toString('hex')}-${++this.#generated}`;
    } while (this.#keys.has(id));
    this.add(id, this.#random(AEAD_KEY_BYTES), true);
    return id;
  }
}

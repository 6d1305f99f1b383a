import { createHmac, timingSafeEqual } from 'node:crypto';
import { ShnError, systemClock } from '@shn/core';
import type { Clock } from '@shn/core';
import { cryptoRandomBytes } from '../sealing/random-source.js';
import type { RandomBytes } from '../sealing/random-source.js';
import { checkScope, hasScope } from './scopes.js';

/** What a store keeps about one API key. Never holds the secret: only its keyed hash. Serialisable. */
export interface ApiKeyRecord {
  /** The public key id (12 lower-case base32 characters), the middle part of the key. */
  readonly id: string;
  /** base64url HMAC-SHA-256(pepper, `id` + `.` + secret). */
  readonly hash: string;
  /** Who the key authenticates as. */
  readonly principal: string;
  /** What it may do (see `checkScope`). */
  readonly scopes: readonly string[];
  /** Epoch ms after which the key is refused; absent = no expiry. */
  readonly expiresAt?: number;
  /** Epoch ms when it was issued. */
  readonly createdAt: number;
}

/** A verified API key. */
export interface ApiKeyIdentity {
  readonly keyId: string;
  readonly principal: string;
  readonly scopes: readonly string[];
}

/** Options for {@link ApiKeyStore}. */
export interface ApiKeyStoreOptions {
  /**
   * The server-side secret the key hashes are keyed with, at least 32 bytes. Keep it apart from
   * the records (env var, secret manager): a leaked record set is then useless on its own.
   */
  readonly pepper: Uint8Array;
  /** Records to load (from a previous {@link ApiKeyStore.records}). */
  readonly records?: readonly ApiKeyRecord[];
  readonly clock?: Clock;
  readonly randomBytes?: RandomBytes;
  /** The key prefix, `[a-z]{2,8}`; default `shn`. Keys look like `shn_<id>_<secret>`. */
  readonly prefix?: string;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
/** The longest presented key the store looks at, characters. */
export const MAX_API_KEY_LENGTH = 128;

function unauthenticated(why: string): ShnError {
  return new ShnError('UNAUTHENTICATED', `API key refused: ${why}`);
}

/**
 * API keys: random 256-bit secrets shown once at issue, stored only as HMAC-SHA-256 under a
 * server pepper (a fast keyed hash is right for high-entropy secrets; passwords would need
 * scrypt), compared with `timingSafeEqual`, scoped, expiring and revocable. An unknown id costs
 * the same HMAC and compare as a known one.
 */
export class ApiKeyStore {
  readonly #pepper: Buffer;
  readonly #records = new Map<string, ApiKeyRecord>();
  readonly #clock: Clock;
  readonly #random: RandomBytes;
  readonly #prefix: string;
  readonly #pattern: RegExp;
  readonly #dummy: Buffer;

  /** @throws ShnError `INVALID_ARGUMENT` for a short pepper, a bad prefix or a malformed record. */
  constructor(options: ApiKeyStoreOptions) {
    if (!(options?.pepper instanceof Uint8Array) || options.pepper.length < 32) {
      throw new ShnError('INVALID_ARGUMENT', 'ApiKeyStore pepper must be at least 32 bytes');
    }
    this.#pepper = Buffer.from(options.pepper);
    this.#clock = options.clock ?? systemClock;
    this.#random = options.randomBytes ?? cryptoRandomBytes;
    this.#prefix = options.prefix ?? 'shn';
    if (!/^[a-z]{2,8}$/.test(this.#prefix)) throw new ShnError('INVALID_ARGUMENT', `prefix must be 2 to 8 lower-case letters, got ${this.#prefix}`);
    this.#pattern = new RegExp(`^${this.#prefix}_([a-z2-7]{12})_([A-Za-z0-9_-]{43})$`);
    this.#dummy = this.#hash('aaaaaaaaaaaa', 'A'.repeat(43));
    for (const r of options.records ?? []) this.#add(r);
  }

  /**
   * Issues a key. The returned `key` is the only copy of the secret: hand it to the client and
   * forget it. The record is already stored.
   * @throws ShnError `INVALID_ARGUMENT` for an empty principal, bad scopes or an expiry in the past.
   */
  issue(options: { readonly principal: string; readonly scopes: readonly string[]; readonly expiresAt?: number }): { readonly key: string; readonly record: ApiKeyRecord } {
    if (typeof options?.principal !== 'string' || options.principal.length === 0 || options.principal.length > 256) {
      throw new ShnError('INVALID_ARGUMENT', 'principal must be a string of 1 to 256 characters');
    }
    const scopes = (options.scopes ?? []).map(checkScope);
    const now = this.#clock.now();
    if (options.expiresAt !== undefined && !(options.expiresAt > now)) throw new ShnError('INVALID_ARGUMENT', 'expiresAt must be in the future');
    let id: string;
    do {
      id = Array.from(this.#random(12), (b) => BASE32[b & 31]).join('');
    } while (this.#records.has(id));
    const secret = Buffer.from(this.#random(32)).toString('base64url');
    const record: ApiKeyRecord = {
      id,
      hash: this.#hash(id, secret).toString('base64url'),
      principal: options.principal,
      scopes,
      createdAt: now,
      ...(options.expiresAt === undefined ? {} : { expiresAt: options.expiresAt }),
    };
    this.#records.set(id, record);
    return { key: `${this.#prefix}_${id}_${secret}`, record };
  }

  /**
   * Verifies a presented key.
   * @throws ShnError `UNAUTHENTICATED` for a malformed, unknown, revoked or expired key (the
   * message does not say which of unknown/wrong secret it was).
   */
  verify(presented: unknown): ApiKeyIdentity {
    if (typeof presented !== 'string' || presented.length > MAX_API_KEY_LENGTH) {
      throw unauthenticated(`not a string of at most ${MAX_API_KEY_LENGTH} characters`);
    }
    const m = this.#pattern.exec(presented);
    if (m === null) throw unauthenticated(`malformed (expected ${this.#prefix}_<12 base32>_<43 base64url>)`);
    const id = m[1] as string;
    const record = this.#records.get(id);
    const actual = this.#hash(id, m[2] as string);
    const expected = record === undefined ? this.#dummy : Buffer.from(record.hash, 'base64url');
    const same = expected.length === actual.length && timingSafeEqual(expected, actual);
    if (record === undefined || !same) throw unauthenticated('unknown key');
    if (record.expiresAt !== undefined && this.#clock.now() >= record.expiresAt) throw unauthenticated(`key ${id} expired`);
    return { keyId: id, principal: record.principal, scopes: record.scopes };
  }

  /**
   * Verifies a key and checks that it grants `scope`.
   * @throws ShnError `UNAUTHENTICATED` as {@link ApiKeyStore.verify}; `PERMISSION_DENIED` when the key lacks the scope.
   */
  authorize(presented: unknown, scope: string): ApiKeyIdentity {
    const identity = this.verify(presented);
    if (!hasScope(identity.scopes, scope)) {
      throw new ShnError('PERMISSION_DENIED', `API key ${identity.keyId} of ${identity.principal} lacks scope ${scope} (has ${identity.scopes.join(', ') || 'none'})`, {
        details: { keyId: identity.keyId, scope },
      });
    }
    return identity;
  }

  /** Revokes a key by id; returns whether it existed. */
  revoke(id: string): boolean {
    return this.#records.delete(id);
  }

  /** Every record (no secrets), for persistence or for system params. */
  records(): ApiKeyRecord[] {
    return [...this.#records.values()];
  }

  #hash(id: string, secret: string): Buffer {
    return createHmac('sha256', this.#pepper).update(`${id}.${secret}`).digest();
  }

  #add(r: ApiKeyRecord): void {
    if (typeof r?.id !== 'string' || !/^[a-z2-7]{12}$/.test(r.id) || typeof r.hash !== 'string' || Buffer.from(r.hash, 'base64url').length !== 32) {
      throw new ShnError('INVALID_ARGUMENT', `malformed API key record ${JSON.stringify(r?.id)}`);
    }
    if (typeof r.principal !== 'string' || !Array.isArray(r.scopes)) throw new ShnError('INVALID_ARGUMENT', `API key record ${r.id}: principal and scopes are required`);
    r.scopes.forEach(checkScope);
    this.#records.set(r.id, r);
  }
}

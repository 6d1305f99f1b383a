import { randomBytes } from 'node:crypto';

/**
 * A source of cryptographically strong random bytes. The default is `node:crypto`'s
 * `randomBytes`; tests may pass a seeded one, never production code.
 */
export type RandomBytes = (length: number) => Uint8Array;

/** `node:crypto.randomBytes`: the CSPRNG every sealer and keyring uses unless told otherwise. */
export const cryptoRandomBytes: RandomBytes = (length) => randomBytes(length);

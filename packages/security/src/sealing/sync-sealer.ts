import { toShnError } from '@shn/core';
import type { Sealer } from '@shn/core';

/**
 * A core {@link Sealer} whose work is synchronous: `seal` and `open` wrap `sealSync` and
 * `openSync` in promises, and turn anything thrown into a rejection with a `ShnError`
 * (`SEAL_FAILED` unless it already is one).
 */
export abstract class SyncSealer implements Sealer {
  /** Seals synchronously; see the subclass. */
  abstract sealSync(plain: Uint8Array, aad: Uint8Array): Uint8Array;
  /** Opens synchronously; see the subclass. */
  abstract openSync(sealed: Uint8Array, aad: Uint8Array): Uint8Array;

  /** {@inheritDoc @shn/core#Sealer.seal} */
  seal(plain: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    try {
      return Promise.resolve(this.sealSync(plain, aad));
    } catch (e) {
      return Promise.reject(toShnError(e, 'SEAL_FAILED'));
    }
  }

  /** {@inheritDoc @shn/core#Sealer.open} */
  open(sealed: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    try {
      return Promise.resolve(this.openSync(sealed, aad));
    } catch (e) {
      return Promise.reject(toShnError(e, 'SEAL_FAILED'));
    }
  }
}

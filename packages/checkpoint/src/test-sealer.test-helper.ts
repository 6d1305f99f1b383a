import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ShnError } from '@shn/core';
import type { Sealer } from '@shn/core';

/** AES-256-GCM sealer for tests (what @shn/security would supply). */
export function testSealer(key: Uint8Array = new Uint8Array(32).fill(7)): Sealer {
  return {
    async seal(plain, aad) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      c.setAAD(aad);
      const body = Buffer.concat([c.update(plain), c.final()]);
      return new Uint8Array(Buffer.concat([iv, c.getAuthTag(), body]));
    },
    async open(sealed, aad) {
      try {
        const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
        d.setAAD(aad);
        d.setAuthTag(sealed.subarray(12, 28));
        return new Uint8Array(Buffer.concat([d.update(sealed.subarray(28)), d.final()]));
      } catch (cause) {
        throw new ShnError('SEAL_FAILED', 'test sealer: cannot open (wrong key, aad or tampered)', { cause });
      }
    },
  };
}

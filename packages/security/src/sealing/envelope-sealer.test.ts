import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isShnError } from '@shn/core';
import { EnvelopeSealer } from './envelope-sealer.js';
import { Keyring } from './keyring.js';
import { KeyringSealer } from './keyring-sealer.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (!isShnError(e)) throw e;
    return e.code;
  }
  throw new Error('expected a ShnError, got a result');
}

describe.each(['aes-256-gcm', 'chacha20-poly1305'] as const)('EnvelopeSealer %s', (algorithm) => {
  it('round-trips any bytes', () => {
    const s = new EnvelopeSealer({ kek: Keyring.generate(), algorithm });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1024 }), fc.uint8Array({ maxLength: 32 }), (plain, aad) => {
        expect(Buffer.from(s.openSync(s.sealSync(plain, aad), aad)).equals(Buffer.from(plain))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('rotating the KEK rewraps without re-encrypting the data, and the old KEK can then be retired', () => {
    const kek = Keyring.generate();
    const s = new EnvelopeSealer({ kek, algorithm });
    const aad = enc('checkpoint/a@v9');
    const plain = Buffer.alloc(4096, 7);
    const blob = s.sealSync(plain, aad);
    const oldKek = kek.primaryId as string;
    const newKek = kek.rotate();
    const re = s.rewrap(blob);
    expect(s.keyIdOf(re)).toBe(newKek);
    // The data part (nonce, ciphertext, tag) is byte-identical: only the wrapped key changed.
    const dataLen = 12 + plain.length + 16;
    expect(Buffer.from(re.subarray(re.length - dataLen)).equals(Buffer.from(blob.subarray(blob.length - dataLen)))).toBe(true);
    expect(kek.retire(oldKek)).toBe(true);
    expect(Buffer.from(s.openSync(re, aad)).equals(plain)).toBe(true);
    expect(codeOf(() => s.openSync(blob, aad))).toBe('SEAL_FAILED');
    expect(s.rewrap(re)).toBe(re);
  });

  it('refuses flipped bits, truncation, wrong aad and direct-mode blobs', () => {
    const s = new EnvelopeSealer({ kek: Keyring.generate(), algorithm });
    const aad = enc('a');
    const blob = s.sealSync(enc('payload'), aad);
    for (let i = 24; i < blob.length * 8; i++) {
      const bad = Uint8Array.from(blob);
      bad[i >> 3] = (bad[i >> 3] as number) ^ (1 << (i & 7));
      expect(codeOf(() => s.openSync(bad, aad))).toBe('SEAL_FAILED');
    }
    for (let n = 0; n < blob.length; n++) expect(codeOf(() => s.openSync(blob.subarray(0, n), aad))).toBe('SEAL_FAILED');
    expect(codeOf(() => s.openSync(blob, enc('b')))).toBe('SEAL_FAILED');
    const direct = new KeyringSealer({ keyring: Keyring.generate() }).sealSync(enc('x'), aad);
    expect(codeOf(() => s.openSync(direct, aad))).toBe('SEAL_FAILED');
  });
});

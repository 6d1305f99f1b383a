import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isShnError } from '@shn/core';
import { EnvelopeSealer } from './envelope-sealer.js';
import { Keyring } from './keyring.js';
import { KeyringSealer } from './keyring-sealer.js';
import { checkKeyId, parseSealedBlob } from './sealed-blob.js';

const TYPED = ['SEAL_FAILED', 'UNSUPPORTED_VERSION'];

describe('sealed blob parsing', () => {
  const keyring = Keyring.generate();
  const direct = new KeyringSealer({ keyring });
  const envelope = new EnvelopeSealer({ kek: keyring });

  it('random bytes always get a typed error, never a crash or a plaintext', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 16 }), async (bytes, aad) => {
        for (const s of [direct, envelope]) {
          const r = await s.open(bytes, aad).then(
            () => 'opened',
            (e: unknown) => (isShnError(e) ? e.code : 'untyped'),
          );
          expect(TYPED).toContain(r);
        }
        try {
          parseSealedBlob(bytes);
        } catch (e) {
          expect(isShnError(e) && TYPED.includes(e.code)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('random bytes behind a valid header still get a typed error', () => {
    const header = direct.sealSync(new Uint8Array(0), new Uint8Array(0)).subarray(0, 4 + (keyring.primaryId as string).length);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (tail) => {
        const blob = Buffer.concat([header, tail]);
        expect(() => direct.openSync(blob, new Uint8Array(0))).toThrow(expect.objectContaining({ code: 'SEAL_FAILED' }));
      }),
      { numRuns: 500 },
    );
  });

  it('names the format problem', () => {
    expect(() => parseSealedBlob(Uint8Array.of(9, 1, 1, 1))).toThrow(/version 9/);
    expect(() => parseSealedBlob(Uint8Array.of(1, 7, 1, 1))).toThrow(/mode 7/);
    expect(() => parseSealedBlob(Uint8Array.of(1, 1, 9, 1))).toThrow(/algorithm id 9/);
    expect(() => parseSealedBlob(Uint8Array.of(1, 1, 1, 0))).toThrow(/key id length 0/);
    expect(() => parseSealedBlob(Uint8Array.of(1, 1, 1))).toThrow(/shorter than the 4-byte header/);
    expect(() => checkKeyId('has space')).toThrow(/key id must match/);
  });
});

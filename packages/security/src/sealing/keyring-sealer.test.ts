import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isShnError } from '@shn/core';
import { Keyring } from './keyring.js';
import { KeyringSealer } from './keyring-sealer.js';
import type { AeadAlgorithm } from './aead-algorithm.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const ALGS: AeadAlgorithm[] = ['aes-256-gcm', 'chacha20-poly1305'];

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (!isShnError(e)) throw e;
    return e.code;
  }
  throw new Error('expected a ShnError, got a result');
}

describe.each(ALGS)('KeyringSealer %s', (algorithm) => {
  const keyring = Keyring.generate();
  const sealer = new KeyringSealer({ keyring, algorithm });
  const aad = enc('counter/7@v3');

  it('round-trips any bytes under any aad', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.uint8Array({ maxLength: 64 }), (plain, a) => {
        expect(Buffer.from(sealer.openSync(sealer.sealSync(plain, a), a)).equals(Buffer.from(plain))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('never repeats a nonce or a ciphertext for the same plaintext', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) seen.add(Buffer.from(sealer.sealSync(enc('same'), aad)).toString('hex'));
    expect(seen.size).toBe(500);
  });

  it('one flipped bit anywhere is refused and nothing is decrypted', () => {
    const blob = sealer.sealSync(enc('secret balance 42'), aad);
    for (let i = 0; i < blob.length * 8; i++) {
      const bad = Uint8Array.from(blob);
      bad[i >> 3] = (bad[i >> 3] as number) ^ (1 << (i & 7));
      const code = codeOf(() => sealer.openSync(bad, aad));
      // A flip in the version, mode or algorithm byte reads as another format; all else fails authentication.
      expect(i < 24 ? ['SEAL_FAILED', 'UNSUPPORTED_VERSION'] : ['SEAL_FAILED']).toContain(code);
    }
  });

  it('a truncated ciphertext is refused at every length', () => {
    const blob = sealer.sealSync(enc('truncate me'), aad);
    for (let n = 0; n < blob.length; n++) expect(codeOf(() => sealer.openSync(blob.subarray(0, n), aad))).toBe('SEAL_FAILED');
  });

  it('the wrong additional data is refused', async () => {
    const blob = await sealer.seal(enc('bound'), aad);
    await expect(sealer.open(blob, enc('counter/7@v4'))).rejects.toMatchObject({ code: 'SEAL_FAILED' });
    await expect(sealer.open(blob, new Uint8Array(0))).rejects.toMatchObject({ code: 'SEAL_FAILED' });
    expect(Buffer.from(await sealer.open(blob, aad)).toString()).toBe('bound');
  });

  it('a blob sealed under a retired key is refused once the key is gone', async () => {
    const ring = Keyring.generate();
    const s = new KeyringSealer({ keyring: ring, algorithm });
    const old = await s.seal(enc('old'), aad);
    const oldId = ring.primaryId as string;
    ring.rotate();
    expect(Buffer.from(await s.open(old, aad)).toString()).toBe('old');
    const fresh = await s.seal(enc('new'), aad);
    expect(ring.retire(oldId)).toBe(true);
    await expect(s.open(old, aad)).rejects.toMatchObject({ code: 'SEAL_FAILED', details: { keyId: oldId, reason: 'unknown-key' } });
    expect(Buffer.from(await s.open(fresh, aad)).toString()).toBe('new');
  });

  it('a blob from another keyring with the same key id does not open', () => {
    const a = new Keyring({ keys: [{ id: 'k1', key: new Uint8Array(32).fill(1) }] });
    const b = new Keyring({ keys: [{ id: 'k1', key: new Uint8Array(32).fill(2) }] });
    const blob = new KeyringSealer({ keyring: a, algorithm }).sealSync(enc('x'), aad);
    expect(codeOf(() => new KeyringSealer({ keyring: b, algorithm }).openSync(blob, aad))).toBe('SEAL_FAILED');
  });
});

describe('KeyringSealer', () => {
  it('opens blobs of either algorithm (the blob names it) and refuses envelope blobs', () => {
    const keyring = Keyring.generate();
    const aes = new KeyringSealer({ keyring });
    const cha = new KeyringSealer({ keyring, algorithm: 'chacha20-poly1305' });
    expect(aes.algorithm).toBe('aes-256-gcm');
    expect(Buffer.from(aes.openSync(cha.sealSync(enc('c'), enc('')), enc(''))).toString()).toBe('c');
    const blob = Uint8Array.from(aes.sealSync(enc('c'), enc('')));
    blob[1] = 2;
    expect(codeOf(() => aes.openSync(blob, enc('')))).toBe('SEAL_FAILED');
  });

  it('rotates when the primary key reaches its message limit', () => {
    const rotations: string[] = [];
    const keyring = Keyring.generate({ messageLimit: 3, onRotate: (r) => rotations.push(r.reason) });
    const sealer = new KeyringSealer({ keyring });
    const first = keyring.primaryId;
    const blobs = Array.from({ length: 7 }, (_, i) => sealer.sealSync(enc(String(i)), enc('')));
    expect(rotations).toEqual(['limit', 'limit']);
    expect(keyring.ids()).toHaveLength(3);
    expect(keyring.entry(first as string)?.uses).toBe(3);
    blobs.forEach((b, i) => expect(Buffer.from(sealer.openSync(b, enc(''))).toString()).toBe(String(i)));
  });

  it('without autoRotate, sealing past the limit fails with SEAL_FAILED and names the limit', () => {
    const keyring = Keyring.generate({ messageLimit: 1, autoRotate: false });
    const sealer = new KeyringSealer({ keyring });
    sealer.sealSync(enc('a'), enc(''));
    expect(() => sealer.sealSync(enc('b'), enc(''))).toThrow(/message limit of 1/);
  });

  it('refuses bad input with INVALID_ARGUMENT', async () => {
    const sealer = new KeyringSealer({ keyring: Keyring.generate(), maxBytes: 8 });
    await expect(sealer.seal(new Uint8Array(9), enc(''))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: /exceeds maxBytes 8/ });
    await expect(sealer.seal('x' as never, enc(''))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(sealer.open(new Uint8Array(40), null as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(() => new KeyringSealer({ keyring: Keyring.generate(), algorithm: 'des' as never })).toThrow(/algorithm/);
    await expect(new KeyringSealer({ keyring: new Keyring() }).seal(enc('x'), enc(''))).rejects.toMatchObject({ code: 'SEAL_FAILED' });
  });
});

describe('KeyringSealer blob layout', () => {
  it('is header || nonce || AEAD(plain, aad = header || aad) || tag, readable by plain node:crypto', async () => {
    const { createDecipheriv } = await import('node:crypto');
    const key = new Uint8Array(32).fill(5);
    const sealer = new KeyringSealer({ keyring: new Keyring({ keys: [{ id: 'kid-1', key }] }) });
    const aad = enc('context');
    const blob = Buffer.from(sealer.sealSync(enc('layout'), aad));
    const header = blob.subarray(0, 4 + 5);
    expect([...header.subarray(0, 4)]).toEqual([1, 1, 1, 5]);
    expect(header.subarray(4).toString()).toBe('kid-1');
    const nonce = blob.subarray(9, 21);
    const d = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 });
    d.setAuthTag(blob.subarray(blob.length - 16));
    d.setAAD(Buffer.concat([header, aad]));
    expect(Buffer.concat([d.update(blob.subarray(21, blob.length - 16)), d.final()]).toString()).toBe('layout');
  });
});

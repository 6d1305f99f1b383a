import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32c } from './crc32c.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A bit-at-a-time reference, straight from the definition. */
function slowCrc(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

describe('crc32c', () => {
  it('matches the published check values (RFC 3720 B.4, iSCSI)', () => {
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
    expect(crc32c(ascii('The quick brown fox jumps over the lazy dog'))).toBe(0x22620404);
  });

  it('equals the bitwise reference on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => crc32c(b) === slowCrc(b)));
  });

  it('equals the reference on unaligned views of long inputs (the word-at-a-time path)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 2000 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 7 }), (b, start, cut) => {
        const view = b.subarray(Math.min(start, b.length), Math.max(Math.min(start, b.length), b.length - cut));
        return crc32c(view) === slowCrc(view);
      }),
    );
  });

  it('is incremental: crc(a ++ b) = crc(b, crc(a))', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 100 }), (a, b) => {
        const ab = new Uint8Array(a.length + b.length);
        ab.set(a);
        ab.set(b, a.length);
        return crc32c(ab) === crc32c(b, crc32c(a));
      }),
    );
  });

  it('detects every single flipped bit', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (b, pos, bit) => {
        const flipped = b.slice();
        const i = pos % b.length;
        flipped[i] = (flipped[i] as number) ^ (1 << bit);
        return crc32c(flipped) !== crc32c(b);
      }),
    );
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isWellFormedUtf16, isWellFormedUtf8 } from './utf8-validation.js';

const fatal = new TextDecoder('utf-8', { fatal: true });
function decodes(bytes: Uint8Array): boolean {
  try {
    fatal.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Byte soup biased towards UTF-8 lead/continuation bytes and the boundary values. */
const utf8ishBytes = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0, max: 255 }),
      fc.constantFrom(0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff),
    ),
    { maxLength: 32 },
  )
  .map((xs) => Uint8Array.from(xs));

describe('isWellFormedUtf8', () => {
  it('agrees with a fatal TextDecoder on arbitrary bytes and on any sub-range', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 32 }), utf8ishBytes), fc.nat(), fc.nat(), (bytes, a, b) => {
        expect(isWellFormedUtf8(bytes, 0, bytes.length)).toBe(decodes(bytes));
        const start = bytes.length === 0 ? 0 : a % bytes.length;
        const end = start + (bytes.length - start === 0 ? 0 : b % (bytes.length - start + 1));
        expect(isWellFormedUtf8(bytes, start, end)).toBe(decodes(bytes.subarray(start, end)));
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts every encoded well-formed string and rejects the classic bad sequences', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const bytes = new TextEncoder().encode(s);
        expect(isWellFormedUtf8(bytes, 0, bytes.length)).toBe(true);
      }),
    );
    const bad = [[0xc0, 0x80], [0xe0, 0x80, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf0, 0x9f, 0x98], [0x80], [0xff]];
    for (const b of bad) expect(isWellFormedUtf8(Uint8Array.from(b), 0, b.length), b.join(',')).toBe(false);
  });
});

describe('isWellFormedUtf16', () => {
  it('is true exactly when a UTF-8 round trip preserves the string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const same = new TextDecoder('utf-8', { ignoreBOM: true }).decode(new TextEncoder().encode(s)) === s;
        expect(isWellFormedUtf16(s)).toBe(same);
      }),
      { numRuns: 2000 },
    );
    expect(isWellFormedUtf16('a\uD800')).toBe(false);
    expect(isWellFormedUtf16('\uDC00a')).toBe(false);
    expect(isWellFormedUtf16('\uD83D\uDE00')).toBe(true);
    expect(isWellFormedUtf16('\uFEFFa')).toBe(true);
  });
});

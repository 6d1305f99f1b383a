import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Codec } from '../codec.js';
import { hasCode } from '../errors.js';

/** Options of {@link codecSuite}. */
export interface CodecSuiteOptions<T> {
  /** The codec under test. */
  codec: Codec<T>;
  /** Values the codec must round-trip. */
  arbitrary: fc.Arbitrary<T>;
  /** Value equality after a round trip; defaults to vitest's deep equality (`toEqual`). */
  equals?(a: T, b: T): boolean;
}

/**
 * Runs `decode` and checks it either returns or throws a ShnError `DECODE_FAILED`
 * (a RangeError, TypeError or any other exception fails the test with the input shown).
 */
function decodeOrDecodeFailed<T>(codec: Codec<T>, bytes: Uint8Array, what: string): void {
  try {
    codec.decode(bytes);
  } catch (e) {
    if (!hasCode(e, 'DECODE_FAILED')) {
      const hex = Buffer.from(bytes.subarray(0, 64)).toString('hex');
      throw new Error(`${what}: decode threw ${String(e)} instead of ShnError DECODE_FAILED (input ${bytes.length} bytes: ${hex}…)`, {
        cause: e,
      });
    }
  }
}

/**
 * The {@link Codec} conformance suite. Call it at the top level of a vitest test file; it
 * registers `describe(name)` with one `it` per guarantee: `encode` returns a Uint8Array and
 * `decode(encode(v))` equals `v` for arbitrary values (also when the encoding sits at a
 * non-zero byteOffset inside a larger buffer, and when the encoder is called again before
 * the first result is decoded); `decode` of random bytes, of every truncation and of
 * single-byte corruptions of valid encodings either returns a value or throws ShnError
 * `DECODE_FAILED`, never another exception.
 *
 * Needs `vitest` and `fast-check` (optional peer dependencies of `@shn/core`).
 */
export function codecSuite<T>(name: string, options: CodecSuiteOptions<T>): void {
  const { codec, arbitrary } = options;
  const same = (actual: T, expected: T, what: string): void => {
    if (options.equals !== undefined) expect(options.equals(actual, expected), what).toBe(true);
    else expect(actual, what).toEqual(expected);
  };

  describe(name, () => {
    it('has a non-empty name', () => {
      expect(typeof codec.name === 'string' && codec.name.length > 0).toBe(true);
    });

    it('round-trips arbitrary values', () => {
      fc.assert(
        fc.property(arbitrary, (value) => {
          const bytes = codec.encode(value);
          expect(bytes).toBeInstanceOf(Uint8Array);
          same(codec.decode(bytes), value, 'decode(encode(v))');
        }),
        { numRuns: 200 },
      );
    });

    it('round-trips when encodings are kept across calls and read from a non-zero byteOffset', () => {
      fc.assert(
        fc.property(arbitrary, arbitrary, fc.integer({ min: 1, max: 15 }), (a, b, pad) => {
          const ea = codec.encode(a);
          const eb = codec.encode(b); // a codec reusing an internal buffer must not clobber `ea`
          same(codec.decode(ea), a, 'first encoding after a second encode');
          same(codec.decode(eb), b, 'second encoding');
          const big = new Uint8Array(pad + ea.length + pad);
          big.set(ea, pad);
          same(codec.decode(big.subarray(pad, pad + ea.length)), a, `decode at byteOffset ${pad}`);
        }),
        { numRuns: 100 },
      );
    });

    it('decodes random bytes to a value or ShnError DECODE_FAILED only', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => decodeOrDecodeFailed(codec, bytes, 'random bytes')),
        { numRuns: 500 },
      );
    });

    it('decodes every truncation and single-byte corruption of a valid encoding to a value or DECODE_FAILED only', () => {
      fc.assert(
        fc.property(arbitrary, fc.integer({ min: 1, max: 255 }), fc.nat(), (value, delta, seed) => {
          const bytes = codec.encode(value).slice();
          // All prefixes of short encodings; 128 spread-out prefixes of long ones.
          const cuts = bytes.length <= 256 ? bytes.length : 128;
          for (let i = 0; i < cuts; i++) {
            const n = bytes.length <= 256 ? i : Math.floor((i * bytes.length) / cuts);
            decodeOrDecodeFailed(codec, bytes.slice(0, n), `truncation to ${n} of ${bytes.length} bytes`);
          }
          const flips = Math.min(bytes.length, 64);
          for (let i = 0; i < flips; i++) {
            const at = bytes.length <= 64 ? i : (seed + i * 7919) % bytes.length;
            const copy = bytes.slice();
            copy[at] = (copy[at]! + delta) & 0xff;
            decodeOrDecodeFailed(codec, copy, `byte ${at} of ${bytes.length} changed by +${delta}`);
          }
        }),
        { numRuns: 60 },
      );
    });
  });
}

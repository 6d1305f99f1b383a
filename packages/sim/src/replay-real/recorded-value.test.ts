import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ShnError, hasCode } from '@shn/core';
import { decodeRecordedValue, encodeRecordedValue } from './recorded-value.js';

const valueArb = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(undefined),
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.bigInt(),
    fc.string(),
    fc.uint8Array({ maxLength: 32 }).map((b) => Buffer.from(b)),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 4 }),
    fc.array(fc.tuple(fc.string({ maxLength: 4 }), tie('value')), { maxLength: 3 }).map((e) => new Map(e)),
  ),
})).value;

describe('recorded values', () => {
  it('round-trip through JSON text (bytes, bigint, undefined, NaN/-0, maps, $-keys)', () => {
    fc.assert(
      fc.property(valueArb, (v) => {
        const back = decodeRecordedValue(JSON.parse(JSON.stringify(encodeRecordedValue(v))));
        expect(back).toEqual(v);
      }),
    );
  });

  it('keeps a ShnError code and marks what cannot be recorded', () => {
    const e = decodeRecordedValue(JSON.parse(JSON.stringify(encodeRecordedValue(new ShnError('TIMEOUT', 'slow')))));
    expect(hasCode(e, 'TIMEOUT')).toBe(true);
    for (const v of [() => 1, Symbol('s'), new (class X {})(), (() => { const o: Record<string, unknown> = {}; o['self'] = o; return o; })()]) {
      const enc = encodeRecordedValue(v) as Record<string, unknown>;
      expect(typeof enc['$unencodable']).toBe('string');
      expect(() => decodeRecordedValue(enc)).toThrow(expect.objectContaining({ code: 'DECODE_FAILED' }));
    }
  });

  it('decoding arbitrary JSON either yields a value or throws DECODE_FAILED, nothing else', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (j) => {
        try {
          decodeRecordedValue(j);
        } catch (e) {
          expect(hasCode(e, 'DECODE_FAILED')).toBe(true);
        }
      }),
    );
    for (const bad of [{ $bytes: '%%' }, { $bigint: '1.5' }, { $num: 'x' }, { $map: [1] }, { $error: { code: 'NOPE' } }, { $what: 1 }, { a: 1, $b: 2 }]) {
      expect(() => decodeRecordedValue(bad)).toThrow(expect.objectContaining({ code: 'DECODE_FAILED' }));
    }
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTraceparent, parseTraceparent } from './trace-context.js';

const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n });
const traceId = hex(32).filter((s) => !/^0+$/.test(s));
const spanId = hex(16).filter((s) => !/^0+$/.test(s));

describe('W3C traceparent', () => {
  it('format then parse is the identity for every valid context', () => {
    fc.assert(
      fc.property(traceId, spanId, fc.integer({ min: 0, max: 255 }), (t, s, f) => {
        const header = formatTraceparent({ traceId: t, spanId: s, traceFlags: f });
        expect(header).toHaveLength(55);
        expect(parseTraceparent(header)).toEqual({ traceId: t, spanId: s, traceFlags: f });
      }),
    );
  });

  it('parse never throws and rejects what the spec rejects', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), (junk) => void parseTraceparent(junk)));
    const t = 'ab'.repeat(16);
    const s = 'cd'.repeat(8);
    for (const bad of [
      `00-${'0'.repeat(32)}-${s}-01`,
      `00-${t}-${'0'.repeat(16)}-01`,
      `ff-${t}-${s}-01`,
      `00-${t.toUpperCase()}-${s}-01`,
      `00-${t}-${s}-01-extra`,
      `00-${t}-${s}-1`,
      `00_${t}-${s}-01`,
      '',
    ]) {
      expect(parseTraceparent(bad), bad).toBeUndefined();
    }
    // A future version may carry more fields after a dash.
    expect(parseTraceparent(`01-${t}-${s}-01-more`)).toEqual({ traceId: t, spanId: s, traceFlags: 1 });
    expect(parseTraceparent(undefined)).toBeUndefined();
  });

  it('the hand-written parser agrees with the W3C grammar as a regular expression, on mutations of valid headers', () => {
    const grammar = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
    const oracle = (v: string) => {
      const m = grammar.exec(v);
      if (m === null || v.length > 512) return undefined;
      const [, version, t, s, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
      if (version === 'ff' || (version === '00' && rest !== undefined) || /^0+$/.test(t) || /^0+$/.test(s)) return undefined;
      return { traceId: t, spanId: s, traceFlags: parseInt(flags, 16) };
    };
    const unit = fc.constantFrom(...'0123456789abcdefABF-xz ');
    fc.assert(
      fc.property(
        fc.constantFrom('00', '01', 'fe', 'ff', '0A'),
        traceId,
        spanId,
        fc.integer({ min: 0, max: 255 }),
        fc.array(fc.tuple(fc.nat(60), unit), { maxLength: 3 }),
        fc.option(fc.string({ unit: fc.constantFrom('-', 'a', '0', 'z'), maxLength: 6 }), { nil: undefined }),
        (version, t, s, f, edits, tail) => {
          let v = `${version}-${t}-${s}-${f.toString(16).padStart(2, '0')}${tail ?? ''}`;
          for (const [at, c] of edits) v = v.slice(0, at) + c + v.slice(at + 1);
          expect(parseTraceparent(v)).toEqual(oracle(v));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('format refuses malformed ids and flags with INVALID_ARGUMENT', () => {
    expect(() => formatTraceparent({ traceId: 'xyz', spanId: 'cd'.repeat(8), traceFlags: 1 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => formatTraceparent({ traceId: 'ab'.repeat(16), spanId: '0'.repeat(16), traceFlags: 1 })).toThrow(/spanId/);
    expect(() => formatTraceparent({ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceFlags: 256 })).toThrow(/traceFlags/);
  });
});

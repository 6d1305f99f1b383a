import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ShnError,
  SHN_ERROR_CODES,
  fromSerializedError,
  hasCode,
  isShnError,
  toShnError,
} from './index.js';

describe('ShnError', () => {
  it('carries code, cause and brand', () => {
    const cause = new Error('boom');
    const e = new ShnError('TIMEOUT', 'too slow', { cause, details: { ms: 5 } });
    expect(e.code).toBe('TIMEOUT');
    expect(e.cause).toBe(cause);
    expect(e.details).toEqual({ ms: 5 });
    expect(isShnError(e)).toBe(true);
    expect(hasCode(e, 'TIMEOUT')).toBe(true);
    expect(hasCode(e, 'INTERNAL')).toBe(false);
    expect(e).toBeInstanceOf(Error);
  });

  it('brand works for a look-alike from another copy of the package', () => {
    const foreign = Object.assign(new Error('x'), { code: 'TIMEOUT', [Symbol.for('@shn/core/ShnError')]: true });
    expect(isShnError(foreign)).toBe(true);
    expect(isShnError(new Error('x'))).toBe(false);
    expect(isShnError(null)).toBe(false);
    expect(isShnError({ code: 'TIMEOUT' })).toBe(false);
  });

  it('round-trips through JSON for every code', () => {
    for (const code of SHN_ERROR_CODES) {
      const e = new ShnError(code, `m-${code}`, { details: { a: 1 } });
      const back = fromSerializedError(JSON.parse(JSON.stringify(e)));
      expect(back.code).toBe(code);
      expect(back.message).toBe(`m-${code}`);
      expect(back.details).toEqual({ a: 1 });
    }
  });

  it('never produces a code outside the union from arbitrary input', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        const e = fromSerializedError(v);
        expect(SHN_ERROR_CODES).toContain(e.code);
        expect(isShnError(e)).toBe(true);
      }),
    );
  });

  it('toShnError wraps foreign errors and keeps ShnErrors', () => {
    const s = new ShnError('TIMEOUT', 't');
    expect(toShnError(s)).toBe(s);
    const w = toShnError(new TypeError('bad'), 'ACTOR_FAILED');
    expect(w.code).toBe('ACTOR_FAILED');
    expect(w.message).toBe('bad');
    expect(toShnError('str').message).toBe('str');
  });
});

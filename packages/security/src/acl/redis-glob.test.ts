import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { redisGlobMatch } from './redis-glob.js';

const m = (p: string, s: string): boolean => redisGlobMatch(Buffer.from(p, 'latin1'), Buffer.from(s, 'latin1'));

describe('redisGlobMatch', () => {
  it('matches like Redis on the documented cases', () => {
    // Redis never matches an empty subject against a non-empty pattern (checked against redis-server 7.0).
    expect(m('*', '')).toBe(false);
    expect(m('**', '')).toBe(false);
    expect(m('*', 'anything')).toBe(true);
    expect(m('app:*', 'app:1')).toBe(true);
    expect(m('app:*', 'ap')).toBe(false);
    expect(m('h?llo', 'hello')).toBe(true);
    expect(m('h?llo', 'hllo')).toBe(false);
    expect(m('h*llo', 'heeeello')).toBe(true);
    expect(m('h[ae]llo', 'hallo')).toBe(true);
    expect(m('h[ae]llo', 'hillo')).toBe(false);
    expect(m('h[^e]llo', 'hallo')).toBe(true);
    expect(m('h[^e]llo', 'hello')).toBe(false);
    expect(m('h[a-b]llo', 'hbllo')).toBe(true);
    expect(m('h[b-a]llo', 'hbllo')).toBe(true);
    expect(m('h\\*llo', 'h*llo')).toBe(true);
    expect(m('h\\*llo', 'hello')).toBe(false);
    expect(m('[\\]]', ']')).toBe(true);
    expect(m('a[bc', 'ab')).toBe(true);
    expect(m('a[', 'a')).toBe(false);
    expect(m('', '')).toBe(true);
    expect(m('', 'a')).toBe(false);
    expect(m('a**', 'a')).toBe(true);
  });

  it('agrees with a regular-expression oracle on patterns without classes or escapes', () => {
    const toRegex = (p: string): RegExp => new RegExp(`^${[...p].map((c) => (c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : c)).join('')}$`);
    fc.assert(
      fc.property(fc.stringMatching(/^[ab*?]{0,8}$/), fc.stringMatching(/^[ab]{0,10}$/), (p, s) => {
        expect(m(p, s)).toBe(s === '' ? p === '' : toRegex(p).test(s));
      }),
      { numRuns: 2000 },
    );
  });

  it('stays fast on the pathological pattern (skip-longer-matches)', () => {
    const p = `${'a*'.repeat(30)}b`;
    expect(m(p, 'a'.repeat(60))).toBe(false);
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ maxLength: 40 }), (p, s) => {
        expect(typeof redisGlobMatch(p, s)).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});

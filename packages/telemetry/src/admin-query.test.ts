import fc from 'fast-check';
import { isShnError } from '@shn/core';
import { describe, expect, it } from 'vitest';
import { flagParam, parseQuery, parseSecondsParam, parseShardParam } from './admin-query.js';

describe('admin query parsing', () => {
  it('never throws anything but INVALID_ARGUMENT, whatever the query', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (q) => {
        try {
          const m = parseQuery(q, ['shard', 'seconds', 'verbose']);
          const shard = m.get('shard');
          if (shard !== undefined) parseShardParam(shard, 4, true);
          parseSecondsParam(m.get('seconds'), 10, 60);
          flagParam(m.get('verbose'));
        } catch (e) {
          expect(isShnError(e) && e.code === 'INVALID_ARGUMENT').toBe(true);
        }
      }),
    );
  });

  it('accepts exactly the shards in range, and main when allowed', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 40 }), fc.integer({ min: 1, max: 32 }), (n, shards) => {
        const ok = n >= 0 && n < shards;
        if (ok) expect(parseShardParam(String(n), shards, false)).toBe(n);
        else expect(() => parseShardParam(String(n), shards, false)).toThrow(/unknown shard/);
      }),
    );
    expect(parseShardParam(undefined, 2, true)).toBe('main');
    expect(() => parseShardParam(undefined, 2, false)).toThrow(/required/);
    expect(() => parseShardParam('1e0', 2, true)).toThrow(/unknown shard/);
  });

  it('decodes values, refuses repeats, unknown names and broken escapes', () => {
    expect([...parseQuery('shard=1&seconds=2.5&verbose', ['shard', 'seconds', 'verbose'])]).toEqual([['shard', '1'], ['seconds', '2.5'], ['verbose', '']]);
    expect(parseQuery('shard=%6D%61in', ['shard']).get('shard')).toBe('main');
    expect(() => parseQuery('a=1&a=2', ['a'])).toThrow(/more than once/);
    expect(() => parseQuery('b=1', ['a'])).toThrow(/unknown query parameter/);
    expect(() => parseQuery('a=%zz', ['a'])).toThrow(/percent-encoding/);
    expect(() => parseQuery('a='.padEnd(3000, 'x'), ['a'])).toThrow(/2048/);
    expect(() => parseSecondsParam('0', 10, 60)).toThrow(/\(0, 60\]/);
    expect(() => parseSecondsParam('61', 10, 60)).toThrow(/bad duration/);
    expect(parseSecondsParam('0.25', 10, 60)).toBe(0.25);
  });
});

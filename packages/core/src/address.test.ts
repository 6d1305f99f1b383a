import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { actorName, address, formatAddress, hasCode, parseAddress, splitActorName } from './index.js';

const kindArb = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/);
const nodeArb = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,128}$/);

describe('address', () => {
  it('format/parse round-trips', () => {
    fc.assert(
      fc.property(nodeArb, fc.integer({ min: -1, max: 65535 }), kindArb, fc.string(), (node, shard, kind, id) => {
        const a = address(node, shard, actorName(kind, id));
        expect(parseAddress(formatAddress(a))).toEqual(a);
      }),
    );
  });

  it('splits kind/id at the first slash', () => {
    expect(splitActorName('kv/a/b')).toEqual({ kind: 'kv', id: 'a/b' });
  });

  it('rejects bad input with INVALID_ARGUMENT', () => {
    const bad: Array<() => unknown> = [
      () => parseAddress('nohash'),
      () => parseAddress('n#x/k/i'),
      () => parseAddress('n#1'),
      () => address('', 0, 'k/i'),
      () => address('n', 1.5, 'k/i'),
      () => address('n', 70000, 'k/i'),
      () => actorName('bad kind', 'x'),
      () => splitActorName('noslash'),
      () => parseAddress(42 as unknown as string),
    ];
    for (const f of bad) {
      let caught: unknown;
      try {
        f();
      } catch (e) {
        caught = e;
      }
      expect(hasCode(caught, 'INVALID_ARGUMENT')).toBe(true);
    }
  });

  it('parseAddress never throws anything but INVALID_ARGUMENT on random text', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          parseAddress(s);
        } catch (e) {
          expect(hasCode(e, 'INVALID_ARGUMENT')).toBe(true);
        }
      }),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KindCache, actorKindOf } from './actor-kind-of.js';

describe('KindCache', () => {
  it('gives the kind of every actor name in any order, like actorKindOf', () => {
    const part = fc.string({ unit: fc.constantFrom('a', 'b', 'ab', '/', '.', 'é'), maxLength: 6 });
    fc.assert(
      fc.property(fc.array(fc.tuple(part, part), { maxLength: 40 }), (names) => {
        const cache = new KindCache();
        for (const [k, id] of names) {
          const actor = `${k}/${id}`;
          expect(cache.of(actor)).toBe(actorKindOf(actor));
          expect(cache.of(k)).toBe(actorKindOf(k));
        }
      }),
    );
  });
});

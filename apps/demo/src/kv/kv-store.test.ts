import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.test-helper.js';
import { KvStore } from './kv-store.js';

describe('KvStore', () => {
  it('copies values so callers may reuse their buffers', () => {
    const s = new KvStore(new FakeClock());
    const v = Buffer.from('abc');
    s.set('k', v, undefined);
    v[0] = 0x7a;
    expect(s.get('k')!.toString()).toBe('abc');
  });

  it('sweep removes exactly the expired keys, and size never counts them (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.string({ maxLength: 4 }), ttl: fc.option(fc.integer({ min: 1, max: 100 })) }), { maxLength: 60 }),
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 1, max: 50 }),
        (ops, elapsed, batch) => {
          const clock = new FakeClock(1000);
          const s = new KvStore(clock);
          const model = new Map<string, number | undefined>();
          for (const { key, ttl } of ops) {
            const at = ttl === null ? undefined : clock.ms + ttl;
            s.set(key, Buffer.from(key), at);
            model.set(key, at);
          }
          clock.advance(elapsed);
          const live = [...model].filter(([, at]) => at === undefined || at > clock.ms);
          expect(s.size()).toBe(live.length);
          expect(s.volatileCount()).toBe(live.filter(([, at]) => at !== undefined).length);
          let removed = 0;
          for (let i = 0; i < 200; i++) removed += s.sweep(batch);
          expect(removed).toBe(model.size - live.length);
          for (const [k] of live) expect(s.get(k)?.toString()).toBe(k);
        },
      ),
    );
  });
});

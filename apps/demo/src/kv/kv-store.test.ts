import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeClock } from './fake-clock.test-helper.js';
import { seededRng } from '@shn/core';
import { KvStore } from './kv-store.js';

describe('KvStore', () => {
  it('copies values so callers may reuse their buffers', () => {
    const s = new KvStore(new FakeClock());
    const v = Buffer.from('abc');
    s.set('k', v, undefined);
    v[0] = 0x7a;
    expect(s.get('k')!.toString()).toBe('abc');
  });

  it('lazy and sampled active expiry remove only expired keys; DBSIZE counts the unreclaimed ones (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.string({ maxLength: 4 }), ttl: fc.option(fc.integer({ min: 1, max: 100 })) }), { maxLength: 60 }),
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 1, max: 50 }),
        fc.integer(),
        (ops, elapsed, sample, seed) => {
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
          expect(s.size()).toBe(model.size);
          const rng = seededRng(seed);
          let removed = 0;
          for (let i = 0; i < 20; i++) removed += s.expireCycle(rng, sample);
          expect(s.size()).toBe(model.size - removed);
          expect(removed).toBeLessThanOrEqual(model.size - live.length);
          for (const [k] of live) expect(s.get(k)?.toString()).toBe(k);
          // A lookup of every key reclaims the rest lazily.
          for (const k of model.keys()) s.entry(k);
          expect(s.size()).toBe(live.length);
          expect(s.volatileCount()).toBe(live.filter(([, at]) => at !== undefined).length);
        },
      ),
    );
  });

  it('the active cycle keeps going while most samples had expired, as Redis does', () => {
    const clock = new FakeClock(1000);
    const s = new KvStore(clock);
    for (let i = 0; i < 300; i++) s.set(`k${i}`, Buffer.from('v'), clock.ms + 10);
    s.set('keep', Buffer.from('v'), undefined);
    clock.advance(11);
    // 16 rounds of 20 samples, each round mostly hits: all 300 go in one cycle.
    expect(s.expireCycle(seededRng(3), 20, 16)).toBe(300);
    expect(s.size()).toBe(1);
  });

  it('SCAN over the slot table returns every key exactly once while nothing writes (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ maxLength: 6 }), { maxLength: 200 }), fc.array(fc.nat(), { maxLength: 50 }), fc.integer({ min: 1, max: 30 }), (keys, dels, count) => {
        const s = new KvStore(new FakeClock());
        for (const k of keys) s.set(k, Buffer.from(k), undefined);
        const left = new Set(keys);
        for (const d of dels) {
          const k = keys[d % Math.max(1, keys.length)];
          if (k !== undefined && s.delete(k)) left.delete(k);
        }
        for (const k of ['x1', 'x2']) {
          if (left.has(k)) continue;
          s.set(k, Buffer.from(k), undefined);
          left.add(k);
        }
        const seen: string[] = [];
        let cursor = 0;
        do {
          const [next, found] = s.scan(cursor, count, () => true);
          seen.push(...found);
          cursor = next;
        } while (cursor !== 0);
        expect(seen.sort()).toEqual([...left].sort());
      }),
    );
  });
});

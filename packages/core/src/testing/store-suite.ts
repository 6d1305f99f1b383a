import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hasCode } from '../errors.js';
import type { Store } from '../store.js';

/** Options of {@link storeSuite}. */
export interface StoreSuiteOptions {
  /** A new, EMPTY store. Called once per test case. */
  create(): Store | Promise<Store>;
  /** Releases what `create` made (temp directories, handles). Called after every test case. */
  cleanup?(store: Store): void | Promise<void>;
}

/** Keys every store must keep distinct and round-trip (path-hostile, case-different, unicode, maximal). */
export const TRICKY_STORE_KEYS: readonly string[] = Object.freeze([
  'a',
  'A',
  'a/b',
  'a/b/',
  '/leading',
  '../escape',
  '..',
  '.',
  'with space',
  'tab\tand\nnewline',
  '%2F',
  'a%2Fb',
  'CON',
  'nul\0byte',
  'ü',
  'u\u0308', // the same glyph as ü, different code units: must stay a distinct key
  '😀/emoji',
  '\uFF5A', // sorts AFTER the emoji by UTF-16 code unit but BEFORE it by UTF-8 byte
  'x'.repeat(1024),
]);

/** Code-unit order, the order {@link Store.list} promises. */
function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Awaits `run()` and checks it REJECTED (not threw synchronously) with `INVALID_ARGUMENT`. */
async function expectInvalidArgument(what: string, run: () => Promise<unknown>): Promise<void> {
  let promise: Promise<unknown>;
  try {
    promise = run();
  } catch (e) {
    throw new Error(`${what}: threw synchronously instead of returning a rejected promise`, { cause: e });
  }
  let error: unknown;
  let resolved = false;
  try {
    await promise;
    resolved = true;
  } catch (e) {
    error = e;
  }
  expect(resolved, `${what}: resolved instead of rejecting`).toBe(false);
  expect(hasCode(error, 'INVALID_ARGUMENT'), `${what}: expected ShnError INVALID_ARGUMENT, got ${String(error)}`).toBe(true);
}

const keyArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 24 }).filter((k) => k.length <= 1024);
const valueArb = fc.uint8Array({ maxLength: 512 });

/**
 * The {@link Store} conformance suite. Call it at the top level of a vitest test file; it
 * registers `describe(name)` with one `it` per guarantee: `get` of an absent key is
 * `undefined`; `put`/`get` round-trips random bytes (including empty values and
 * sub-array views) under random and path-hostile keys; overwrite replaces; `delete`
 * resolves true then false; `list(prefix)` is filtered and sorted by code unit; stored
 * values are never aliased with the caller's buffers (in or out); invalid keys (empty,
 * longer than 1024, non-string), non-Uint8Array values and a non-string prefix REJECT
 * with `INVALID_ARGUMENT` (a rejected promise, not a synchronous throw).
 *
 * Needs `vitest` and `fast-check` (optional peer dependencies of `@shn/core`).
 */
export function storeSuite(name: string, options: StoreSuiteOptions): void {
  describe(name, () => {
    let store: Store;
    beforeEach(async () => {
      store = await options.create();
    });
    afterEach(async () => {
      await options.cleanup?.(store);
    });

    it('starts empty: get of an absent key is undefined and list is empty', async () => {
      expect(await store.get('absent')).toBeUndefined();
      expect(await store.list()).toEqual([]);
      expect(await store.list('a')).toEqual([]);
      expect(await store.delete('absent')).toBe(false);
    });

    it('round-trips random bytes under random keys (last write wins)', async () => {
      const model = new Map<string, Uint8Array>();
      await fc.assert(
        fc.asyncProperty(keyArb, valueArb, async (key, value) => {
          await store.put(key, value);
          model.set(key, value.slice());
          const got = await store.get(key);
          expect(got).toBeInstanceOf(Uint8Array);
          expect(got).toEqual(value);
        }),
        { numRuns: 40 },
      );
      for (const [key, value] of model) expect(await store.get(key), JSON.stringify(key)).toEqual(value);
      expect(await store.list()).toEqual([...model.keys()].sort(byCodeUnit));
    });

    it('keeps path-hostile, case-different and unicode keys distinct', async () => {
      for (const [i, key] of TRICKY_STORE_KEYS.entries()) await store.put(key, new Uint8Array([i, i >> 8]));
      for (const [i, key] of TRICKY_STORE_KEYS.entries()) {
        expect(await store.get(key), JSON.stringify(key)).toEqual(new Uint8Array([i, i >> 8]));
      }
      expect(await store.list()).toEqual([...TRICKY_STORE_KEYS].sort(byCodeUnit));
    });

    it('stores empty values and exactly the bytes of a sub-array view', async () => {
      await store.put('empty', new Uint8Array(0));
      const empty = await store.get('empty');
      expect(empty).toBeInstanceOf(Uint8Array);
      expect(empty?.length).toBe(0);
      const big = Uint8Array.from({ length: 32 }, (_, i) => i);
      await store.put('view', big.subarray(5, 9));
      expect(await store.get('view')).toEqual(new Uint8Array([5, 6, 7, 8]));
    });

    it('overwrites: a second put replaces the value and the key is listed once', async () => {
      await store.put('k', new Uint8Array([1, 2, 3]));
      await store.put('k', new Uint8Array([9]));
      expect(await store.get('k')).toEqual(new Uint8Array([9]));
      expect(await store.list()).toEqual(['k']);
    });

    it('delete resolves true for a present key, then false, and the key is gone', async () => {
      await store.put('d', new Uint8Array([1]));
      await store.put('keep', new Uint8Array([2]));
      expect(await store.delete('d')).toBe(true);
      expect(await store.delete('d')).toBe(false);
      expect(await store.get('d')).toBeUndefined();
      expect(await store.list()).toEqual(['keep']);
      await store.put('d', new Uint8Array([3]));
      expect(await store.get('d')).toEqual(new Uint8Array([3]));
    });

    it('list(prefix) returns exactly the keys with that prefix, sorted by code unit', async () => {
      const keys = fc.sample(fc.uniqueArray(fc.stringMatching(/^[ab/Aé😀]{1,5}$/u), { maxLength: 30 }), { numRuns: 1, seed: 7 })[0] ?? [];
      const all = [...new Set([...keys, 'a', 'a/', 'a/b', 'ab', 'b', 'B', 'é', '😀'])];
      for (const k of all) await store.put(k, new Uint8Array([k.length]));
      const sorted = [...all].sort(byCodeUnit);
      expect(await store.list()).toEqual(sorted);
      expect(await store.list('')).toEqual(sorted);
      for (const prefix of ['a', 'a/', 'ab', 'b', 'B', 'é', '😀', '\uD83D', 'zz', ...all]) {
        expect(await store.list(prefix), `prefix ${JSON.stringify(prefix)}`).toEqual(sorted.filter((k) => k.startsWith(prefix)));
      }
    });

    it('never aliases stored values with caller buffers', async () => {
      const input = new Uint8Array([1, 2, 3]);
      await store.put('alias', input);
      input[0] = 99;
      const first = await store.get('alias');
      expect(first).toEqual(new Uint8Array([1, 2, 3]));
      first?.fill(7);
      expect(await store.get('alias')).toEqual(new Uint8Array([1, 2, 3]));
    });

    it('rejects invalid keys, values and prefixes with INVALID_ARGUMENT', async () => {
      const badKeys: unknown[] = ['', 'x'.repeat(1025), 42, undefined, null, {}];
      for (const key of badKeys) {
        const k = key as string;
        const what = typeof key === 'string' ? `key of length ${key.length}` : `key ${String(key)}`;
        await expectInvalidArgument(`get(${what})`, () => store.get(k));
        await expectInvalidArgument(`put(${what})`, () => store.put(k, new Uint8Array([1])));
        await expectInvalidArgument(`delete(${what})`, () => store.delete(k));
      }
      for (const value of [undefined, null, 'bytes', [1, 2], new ArrayBuffer(2)]) {
        await expectInvalidArgument(`put value ${Object.prototype.toString.call(value)}`, () => store.put('v', value as never));
      }
      expect(await store.get('v')).toBeUndefined();
      await expectInvalidArgument('list(42)', () => store.list(42 as never));
      expect(await store.list()).toEqual([]);
    });
  });
}

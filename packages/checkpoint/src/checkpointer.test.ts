import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryStore, hasCode } from '@shn/core';
import type { Store } from '@shn/core';
import { Checkpointer } from './checkpointer.js';
import type { RestoreReport } from './checkpointer.js';
import { FileStore } from './file-store.js';
import { KeyedState } from './keyed-state.js';
import { SqliteStore } from './sqlite-store.js';
import { testSealer } from './test-sealer.test-helper.js';

function entries(s: KeyedState): Record<string, string> {
  return Object.fromEntries([...s.entries()].map(([k, v]) => [k, Buffer.from(v).toString('hex')]));
}

function restored(image: Uint8Array | undefined): KeyedState {
  const s = new KeyedState();
  if (image !== undefined) s.restore(image);
  return s;
}

describe('Checkpointer', () => {
  for (const [name, make] of [
    ['memory', () => new MemoryStore()],
    ['sqlite', () => new SqliteStore(':memory:')],
  ] as [string, () => Store][]) {
    it(`restores the chain of full + deltas equal to the live state (${name}, property)`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e'), fc.option(fc.uint8Array({ maxLength: 8 }), { nil: undefined }), fc.boolean()), { maxLength: 40 }),
          fc.integer({ min: 1, max: 4 }),
          fc.boolean(),
          async (ops, compactEvery, compress) => {
            const cp = new Checkpointer({ store: make(), node: 'n1', compactEvery, keep: 2, compress });
            const s = new KeyedState();
            for (const [k, v, snap] of ops) {
              if (v === undefined) s.delete(k);
              else s.set(k, v);
              if (snap) await cp.save('kv/0', s.snapshot());
            }
            await cp.save('kv/0', s.snapshot());
            await cp.flush();
            const back = restored(await cp.load('kv/0'));
            expect(entries(back)).toEqual(entries(s));
            expect(back.seq).toBe(s.seq);
          },
        ),
        { numRuns: 40 },
      );
    });
  }

  it('compacts in the background and keeps the last N fulls with their deltas', async () => {
    const store = new MemoryStore();
    const cp = new Checkpointer({ store, node: 'n1', compactEvery: 3, keep: 2 });
    const s = new KeyedState();
    for (let i = 0; i < 20; i++) {
      s.set(`k${i % 4}`, new Uint8Array([i]));
      await cp.save('a/1', s.snapshot());
    }
    await cp.flush();
    const list = await cp.listCheckpoints('a/1');
    const fulls = list.filter((e) => e.kind === 'full');
    expect(fulls).toHaveLength(2);
    const oldest = (fulls[0] as { seq: number }).seq;
    expect(list.every((e) => e.seq >= oldest)).toBe(true);
    expect(entries(restored(await cp.load('a/1')))).toEqual(entries(s));
  });

  it('rejects bad actor names and snapshots with INVALID_ARGUMENT', async () => {
    const cp = new Checkpointer({ store: new MemoryStore(), node: 'n1' });
    for (const actor of ['', '\uD800', 'x'.repeat(1000), 42]) {
      await expect(cp.save(actor as string, new Uint8Array([1]))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(cp.load(actor as string)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    await expect(cp.save('a/1', 'bytes' as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(() => new Checkpointer({ store: new MemoryStore(), node: '' })).toThrow(/node/);
    expect(() => new Checkpointer({ store: new MemoryStore(), node: 'n', keep: 0 })).toThrow(/keep/);
  });

  it('stores opaque snapshots of any actor and restores the newest', async () => {
    const cp = new Checkpointer({ store: new MemoryStore(), node: 'n1', keep: 2 });
    for (let i = 1; i <= 5; i++) await cp.save('counter/x', new Uint8Array([i]));
    expect(await cp.load('counter/x')).toEqual(new Uint8Array([5]));
    expect(await cp.listCheckpoints('counter/x')).toHaveLength(2);
    expect(await cp.load('counter/none')).toBeUndefined();
  });

  it('round-trips sealed and compressed checkpoints, and refuses them without the sealer', async () => {
    const store = new MemoryStore();
    const cp = new Checkpointer({ store, node: 'n1', sealer: testSealer(), compress: true });
    const s = new KeyedState();
    s.set('secret', new TextEncoder().encode('x'.repeat(1000)));
    await cp.save('a/1', s.snapshot());
    const raw = await store.get((await store.list())[0] as string);
    expect(Buffer.from(raw as Uint8Array).includes('xxxxxxxx')).toBe(false);
    expect(entries(restored(await cp.load('a/1')))).toEqual(entries(s));
    const wrongKey = new Checkpointer({ store, node: 'n1', sealer: testSealer(new Uint8Array(32)) });
    expect(hasCode(await wrongKey.load('a/1').catch((e: unknown) => e), 'SEAL_FAILED')).toBe(true);
    const noSealer = new Checkpointer({ store, node: 'n1' });
    expect(hasCode(await noSealer.load('a/1').catch((e: unknown) => e), 'DATA_CORRUPT')).toBe(true);
  });

  it('merges a failed delta into the next one so the chain stays whole', async () => {
    const inner = new MemoryStore();
    let failNext = false;
    const flaky: Store = {
      get: (k) => inner.get(k),
      list: (p) => inner.list(p),
      delete: (k) => inner.delete(k),
      put: async (k, v) => {
        if (failNext) {
          failNext = false;
          throw new Error('disk full');
        }
        return inner.put(k, v);
      },
    };
    const cp = new Checkpointer({ store: flaky, node: 'n1', compactEvery: 100 });
    const s = new KeyedState();
    s.set('a', new Uint8Array([1]));
    await cp.save('x/1', s.snapshot());
    s.set('b', new Uint8Array([2]));
    failNext = true;
    expect(hasCode(await cp.save('x/1', s.snapshot()).catch((e: unknown) => e), 'STORE_FAILED')).toBe(true);
    expect(cp.stats('x/1').failures).toBe(1);
    s.set('c', new Uint8Array([3]));
    await cp.save('x/1', s.snapshot());
    expect(entries(restored(await cp.load('x/1')))).toEqual(entries(s));
  });
});

describe('Checkpointer restore from a damaged FileStore directory', () => {
  let dir: string;
  let reports: RestoreReport[];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shn-ckpt-'));
    reports = [];
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Writes two fulls (v1, v2), returns the file of the newest. */
  async function twoCheckpoints(node = 'n1'): Promise<string> {
    const cp = new Checkpointer({ store: new FileStore(dir), node, keep: 3 });
    const s = new KeyedState();
    s.set('v', new Uint8Array([1]));
    await cp.save('kv/0', s.snapshotFull());
    const before = new Set(await readdir(dir));
    s.set('v', new Uint8Array([2]));
    await cp.save('kv/0', s.snapshotFull());
    const newest = (await readdir(dir)).find((n) => !before.has(n));
    return join(dir, newest as string);
  }

  function reader(node = 'n1'): Checkpointer {
    return new Checkpointer({ store: new FileStore(dir), node, onRestore: (r) => reports.push(r) });
  }

  async function valueAfterLoad(node = 'n1'): Promise<number | undefined> {
    const img = await reader(node).load('kv/0');
    return restored(img).get('v')?.[0];
  }

  it('restores the newest when everything is intact, with a clean report', async () => {
    await twoCheckpoints();
    expect(await valueAfterLoad()).toBe(2);
    expect(reports[0]).toMatchObject({ seq: 2, fellBack: false, skipped: [] });
  });

  it('a truncated newest file: falls back to the previous one and reports DATA_CORRUPT', async () => {
    const file = await twoCheckpoints();
    const bytes = await readFile(file);
    await writeFile(file, bytes.subarray(0, bytes.length - 5));
    expect(await valueAfterLoad()).toBe(1);
    expect(reports[0]?.fellBack).toBe(true);
    expect(reports[0]?.skipped[0]?.error.code).toBe('DATA_CORRUPT');
    expect(reports[0]?.skipped[0]?.error.details?.['reason']).toBe('truncated');
  });

  it('a flipped byte anywhere in the newest file: falls back and reports it', async () => {
    const file = await twoCheckpoints();
    const bytes = await readFile(file);
    for (let i = 0; i < bytes.length; i += 7) {
      const bad = Buffer.from(bytes);
      bad[i] = (bad[i] as number) ^ 1;
      await writeFile(file, bad);
      reports = [];
      expect(await valueAfterLoad(), `byte ${i}`).toBe(1);
      expect(reports[0]?.fellBack, `byte ${i}`).toBe(true);
      expect(['DATA_CORRUPT', 'UNSUPPORTED_VERSION']).toContain(reports[0]?.skipped[0]?.error.code);
      // load deleted the unusable newer file: write it back for the next position
      await writeFile(file, bytes);
    }
  });

  it('a newer format version: UNSUPPORTED_VERSION in the report, previous restored', async () => {
    const file = await twoCheckpoints();
    const bytes = Buffer.from(await readFile(file));
    bytes[4] = 200; // the file-store format version
    await writeFile(file, bytes);
    expect(await valueAfterLoad()).toBe(1);
    expect(reports[0]?.skipped[0]?.error.code).toBe('UNSUPPORTED_VERSION');
  });

  it('files from another node: refused with reason foreign-node, load rejects when nothing else is usable', async () => {
    await twoCheckpoints('other-node');
    const err = await reader('n1').load('kv/0').catch((e: unknown) => e);
    expect(hasCode(err, 'DATA_CORRUPT')).toBe(true);
    expect((err as Error).message).toMatch(/other-node/);
    expect(JSON.stringify((err as { details: unknown }).details)).toMatch(/foreign-node/);
  });

  it('after a fallback, new checkpoints continue the old timeline and never mix with the dropped one', async () => {
    const cp = new Checkpointer({ store: new FileStore(dir), node: 'n1', keep: 3, compactEvery: 100 });
    const s = new KeyedState();
    s.set('a', new Uint8Array([1]));
    await cp.save('kv/0', s.snapshot()); // 1 full
    s.set('b', new Uint8Array([2]));
    const before = new Set(await readdir(dir));
    await cp.save('kv/0', s.snapshot()); // 2 delta
    const second = (await readdir(dir)).find((n) => !before.has(n)) as string;
    s.set('c', new Uint8Array([3]));
    await cp.save('kv/0', s.snapshot()); // 3 delta on 2
    await writeFile(join(dir, second), 'garbage');
    const r = reader();
    const back = restored(await r.load('kv/0'));
    expect(entries(back)).toEqual({ a: '01' });
    expect(reports[0]?.seq).toBe(1);
    expect(reports[0]?.skipped.map((k) => k.seq).sort()).toEqual([2, 3]);
    back.set('z', new Uint8Array([9]));
    await r.save('kv/0', back.snapshot()); // new 2, on 1
    const again = restored(await reader().load('kv/0'));
    expect(entries(again)).toEqual({ a: '01', z: '09' });
  });
});

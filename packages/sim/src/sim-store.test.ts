import { createActorHost as host } from '@shn/core-mailbox';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { seededRng } from '@shn/core';
import { storeSuite } from '@shn/core/testing';
import { SimStore } from './sim-store.js';
import { Simulation } from './simulation.js';

storeSuite('SimStore', { create: () => new SimStore() });
storeSuite('SimStore (synced after every write)', {
  create: () => {
    const s = new SimStore();
    const put = s.put.bind(s);
    s.put = async (k, v) => {
      await put(k, v);
      await s.sync();
    };
    return s;
  },
});

const bytes = (s: string) => new TextEncoder().encode(s);

describe('SimStore crashes', () => {
  it('a crash loses exactly the writes since the last sync', async () => {
    const s = new SimStore();
    await s.put('a', bytes('1'));
    await s.put('b', bytes('1'));
    await s.sync();
    await s.put('a', bytes('2'));
    await s.delete('b');
    await s.put('c', bytes('3'));
    expect(s.unsyncedWrites).toBe(3);
    expect(await s.list()).toEqual(['a', 'c']);
    expect(s.crash()).toEqual({ lost: 3, kept: 0, torn: undefined });
    expect(await s.list()).toEqual(['a', 'b']);
    expect(await s.get('a')).toEqual(bytes('1'));
  });

  it('property: after a crash, the store equals the state at the last sync (plus a kept prefix of later writes)', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), key: fc.constantFrom('a', 'b', 'c'), v: fc.string({ maxLength: 4 }) }),
      fc.record({ kind: fc.constant('del' as const), key: fc.constantFrom('a', 'b', 'c') }),
      fc.record({ kind: fc.constant('sync' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), fc.boolean(), fc.integer(), async (ops, keepPrefix, seed) => {
        const s = new SimStore({ keepUnsyncedPrefix: keepPrefix }, seededRng(seed));
        const model = new Map<string, string>();
        // snapshots[0]: the state at the last sync; snapshots[k]: after k more writes.
        const snapshots: Array<Map<string, string>> = [new Map()];
        for (const o of ops) {
          if (o.kind === 'put') {
            await s.put(o.key, bytes(o.v));
            model.set(o.key, o.v);
            snapshots.push(new Map(model));
          } else if (o.kind === 'del') {
            if (await s.delete(o.key)) {
              model.delete(o.key);
              snapshots.push(new Map(model));
            }
          } else {
            await s.sync();
            snapshots.length = 0;
            snapshots.push(new Map(model));
          }
        }
        const { kept, lost } = s.crash();
        expect(kept + lost).toBe(snapshots.length - 1);
        expect(await dump(s)).toEqual(snapshots[kept]);
        if (!keepPrefix) expect(kept).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('a torn write stores a strict prefix of the last unsynced value', async () => {
    let tornSeen = 0;
    for (let seed = 0; seed < 50; seed++) {
      const s = new SimStore({ tornWriteProbability: 1 }, seededRng(seed));
      await s.put('wal', bytes('old'));
      await s.sync();
      const value = bytes('a-much-longer-record');
      await s.put('wal', value);
      const r = s.crash();
      expect(r.torn).toBe('wal');
      const got = (await s.get('wal'))!;
      expect(got.length).toBeLessThan(value.length);
      expect(value.subarray(0, got.length)).toEqual(got);
      tornSeen++;
    }
    expect(tornSeen).toBe(50);
  });

  it('rejects every operation with STORE_FAILED while its node is down; synced data survives a node crash', async () => {
    const sim = new Simulation({ host, seed: 1 });
    const node = sim.addNode('n');
    await node.store.put('k', bytes('synced'));
    await node.store.sync();
    await node.store.put('k', bytes('unsynced'));
    node.crash();
    await expect(node.store.get('k')).rejects.toMatchObject({ code: 'STORE_FAILED' });
    node.restart();
    expect(await node.store.get('k')).toEqual(bytes('synced'));
  });

  it('rejects bad options with INVALID_ARGUMENT', () => {
    expect(() => new SimStore({ tornWriteProbability: 2 }, seededRng(1))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new SimStore({ keepUnsyncedPrefix: true })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

async function dump(s: SimStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const k of await s.list()) out.set(k, new TextDecoder().decode((await s.get(k))!));
  return out;
}

import { describe, expect, it } from 'vitest';
import { MemoryStore, seededRng, systemClock, systemTimer } from '@shn/core';
import type { SlotContext } from '@shn/core';
import { checkpointSlot } from './checkpoint-slot.js';
import { KeyedState } from './keyed-state.js';

const ctx = (shard: number): SlotContext => ({ node: 'node-a', shard, clock: systemClock, timer: systemTimer, rng: seededRng(1) });

describe('checkpointSlot', () => {
  it('drives an actor the way the host does: load before start, shouldSave after messages, save snapshots', async () => {
    const store = new MemoryStore();
    const slot = checkpointSlot({ store: () => store, everyMessages: 3, everyMs: 60_000 });
    const cps = slot.factory(ctx(0));
    // Activation: nothing saved yet.
    expect(await cps.load('kv/0')).toBeUndefined();
    const state = new KeyedState();
    for (let m = 1; m <= 7; m++) {
      state.set(`k${m}`, new Uint8Array([m]));
      if (cps.shouldSave?.('kv/0', m % 3 === 0 ? 3 : m % 3, 10) === true) await cps.save('kv/0', state.snapshot());
    }
    expect(slot.checkpointer?.stats('kv/0').saves).toBe(2);
    // On demand: the next message saves whatever the counters say.
    slot.request('kv/0');
    expect(cps.shouldSave?.('kv/0', 1, 0)).toBe(true);
    expect(cps.shouldSave?.('kv/0', 1, 0)).toBe(false);
    slot.request();
    expect(cps.shouldSave?.('kv/0', 1, 0)).toBe(true);
    expect(cps.shouldSave?.('other/1', 1, 0)).toBe(true);
    expect(cps.shouldSave?.('kv/0', 1, 0)).toBe(false);
    // Time trigger: only with unsaved messages.
    expect(cps.shouldSave?.('kv/0', 0, 120_000)).toBe(false);
    expect(cps.shouldSave?.('kv/0', 1, 120_000)).toBe(true);
    await cps.save('kv/0', state.snapshot());
    // Restart of the shard: a fresh thread's slot restores the last save.
    const again = checkpointSlot({ store });
    const restored = new KeyedState();
    const bytes = await again.factory(ctx(0)).load('kv/0');
    restored.restore(bytes as Uint8Array);
    expect([...restored.keys()].sort()).toEqual(['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']);
    expect(again.reports.get('kv/0')).toMatchObject({ fellBack: false, skipped: [] });
  });

  it('writes the slot context node into headers, so another node cannot restore them', async () => {
    const store = new MemoryStore();
    const a = checkpointSlot({ store: () => store }).factory(ctx(0));
    await a.save('counter/1', new Uint8Array([42]));
    const b = checkpointSlot({ store: () => store }).factory({ ...ctx(0), node: 'node-b' });
    await expect(b.load('counter/1')).rejects.toMatchObject({ code: 'DATA_CORRUPT' });
  });

  it('rejects bad trigger options with INVALID_ARGUMENT', () => {
    expect(() => checkpointSlot({ store: () => new MemoryStore(), everyMessages: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => checkpointSlot({ store: () => new MemoryStore(), everyMs: Number.NaN })).toThrow(/everyMs/);
  });
});

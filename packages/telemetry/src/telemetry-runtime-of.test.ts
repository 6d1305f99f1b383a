import type { RuntimeEvent } from '@shn/core';
import { describe, expect, it } from 'vitest';
import { telemetryRuntimeOf } from './telemetry-runtime-of.js';
import type { RuntimeLike } from './telemetry-runtime-of.js';

const base = (): RuntimeLike & { listeners: Array<(e: RuntimeEvent) => void> } => {
  const listeners: Array<(e: RuntimeEvent) => void> = [];
  return {
    listeners,
    shards: 2,
    node: 'n',
    ready: true,
    failed: undefined,
    gauges: () => [0, 1].map((shard) => ({ shard, state: shard === 0 ? 'up' : 'restarting', mailboxDepth: 0, busyRatio: 0, processed: 0, restarts: 0 }) as const),
    whenReady: () => Promise.resolve(),
    refOnShard: () => {
      throw new Error('unused');
    },
    on(l) {
      listeners.push(l);
      return () => listeners.splice(listeners.indexOf(l), 1);
    },
  };
};

describe('telemetryRuntimeOf', () => {
  it('adds shardStates from gauges and subscribe from on, live', () => {
    const rt = base();
    const h = telemetryRuntimeOf(rt);
    expect(h.shardStates()).toEqual(['up', 'restarting']);
    const seen: string[] = [];
    const off = h.subscribe({ onEvent: (e) => seen.push(e.type) });
    for (const l of rt.listeners) l({ type: 'shard-started', shard: 1, at: 0 });
    off();
    expect(rt.listeners).toHaveLength(0);
    expect(seen).toEqual(['shard-started']);
    expect(h.shards).toBe(2);
  });

  it('returns a full handle unchanged and refuses a runtime it cannot adapt', () => {
    const full = { ...base(), subscribe: () => () => undefined, shardStates: () => [] };
    expect(telemetryRuntimeOf(full)).toBe(full);
    const { on: _on, ...noEvents } = base();
    expect(() => telemetryRuntimeOf(noEvents)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => telemetryRuntimeOf({} as RuntimeLike)).toThrow(/refOnShard/);
  });
});

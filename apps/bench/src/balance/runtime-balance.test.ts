import { seededRng } from '@shn/core';
import { joinShortestQueue, roundRobin } from '@shn/scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '@shn/core-mailbox';
import { measureCapacity, runDispatch, runStealing, startBalanceRuntime } from './runtime-balance.js';
import type { ServiceMix } from './service-times.js';

// Shard threads load the built system module (dist/balance/runtime-system.js): turbo builds before testing.
const MIX: ServiceMix = { parts: [[0.9, 0.2], [0.1, 3]] };

describe('real-runtime dispatch (2 shard threads)', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await startBalanceRuntime(2, false);
  });
  afterAll(async () => {
    await rt.close();
  });

  it('answers every request, spread by the balancer, and measures a positive capacity', async () => {
    const capacity = await measureCapacity(rt, MIX, 200, seededRng(1));
    expect(capacity).toBeGreaterThan(0);
    const rr = await runDispatch(rt, roundRobin(), 'none', 300, 300, MIX, 1);
    expect(rr.perShard.reduce((a, b) => a + b, 0)).toBe(rr.requests);
    expect(Math.abs((rr.perShard[0] as number) - (rr.perShard[1] as number))).toBeLessThanOrEqual(1);
    const jsq = await runDispatch(rt, joinShortestQueue({ rng: seededRng(2) }), 'outstanding', 300, 300, MIX, 1);
    expect(jsq.requests).toBe(rr.requests); // same seed, same arrivals
    for (const r of [rr, jsq]) expect(r.p50Ms > 0 && r.p99Ms >= r.p50Ms && r.throughputPerSec > 0).toBe(true);
  });
});

describe('real-runtime work stealing (skewed stateless workload, steal messages over the rings)', () => {
  // runStealing itself rejects with PROTOCOL_ERROR if any task ran twice or never, or an owned
  // task ran away from its shard; these runs must therefore resolve.
  const scenario = { shards: 2, ratePerSec: 400, durationMs: 400, hotShare: 1, ownedShare: 0.3, mix: MIX, seed: 7 } as const;

  it('with stealing: the idle shard takes stateless tasks; every task runs once; owned tasks stay on shard 0', async () => {
    const r = await runStealing({ ...scenario, steal: true });
    expect(r.perShard.reduce((a, b) => a + b, 0)).toBe(r.requests);
    expect(r.moved).toBeGreaterThan(0);
    expect(r.perShard[1]).toBe(r.moved); // every arrival went to shard 0: what ran on 1 was stolen
    expect(r.counters.stolen).toBe(r.counters.givenAway);
    expect(r.counters.stolen).toBeGreaterThanOrEqual(r.moved);
  });

  it('without stealing: everything runs where it arrived', async () => {
    const r = await runStealing({ ...scenario, steal: false });
    expect(r.moved).toBe(0);
    expect(r.perShard).toEqual([r.requests, 0]);
    expect(r.counters.requests).toBe(0);
  });
});

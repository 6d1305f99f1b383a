import { seededRng } from '@shn/core';
import fc from 'fast-check';
import { joinShortestQueue, roundRobin } from '@shn/scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '@shn/core-mailbox';
import { checkRunLogs, measureCapacity, runDispatch, runStealing, startBalanceRuntime } from './runtime-balance.js';
import type { RunLogPage } from './runtime-system.js';
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

describe('checkRunLogs (the exactly-once / owned-stays check of the stealing bench)', () => {
  const page = (shard: number, ids: number[]): RunLogPage => ({ shard, ids, owners: ids.map(() => -1), doneAt: ids.map(() => 0), total: ids.length });
  // A valid assignment: each task on its owner's shard if owned, else any shard; split into pages.
  const valid = fc
    .integer({ min: 1, max: 4 })
    .chain((shards) =>
      fc.array(fc.record({ target: fc.nat(shards - 1), owned: fc.boolean(), runOn: fc.nat(shards - 1) }), { minLength: 1, maxLength: 60 }).map((tasks) => ({ shards, tasks })),
    );
  const build = (shards: number, tasks: readonly { target: number; owned: boolean; runOn: number }[]) => {
    const target = tasks.map((t) => t.target);
    const owner = tasks.map((t) => (t.owned ? t.target : -1));
    const ran = Array.from({ length: shards }, () => [] as number[]);
    tasks.forEach((t, id) => (ran[t.owned ? t.target : t.runOn] as number[]).push(id));
    return { target, owner, ran };
  };
  const logsOf = (ran: number[][]) => ran.map((ids, k) => [page(k, ids.slice(0, 5)), page(k, ids.slice(5))]);

  it('accepts every valid run and counts what moved', () => {
    fc.assert(
      fc.property(valid, ({ shards, tasks }) => {
        const { target, owner, ran } = build(shards, tasks);
        const r = checkRunLogs(logsOf(ran), target, owner);
        expect(r.perShard.reduce((a, b) => a + b, 0)).toBe(tasks.length);
        expect(r.moved).toBe(tasks.filter((t) => !t.owned && t.runOn !== t.target).length);
      }),
    );
  });

  it('rejects a duplicate, a missing task and an owned task run elsewhere', () => {
    fc.assert(
      fc.property(valid, fc.nat(), ({ shards, tasks }, pick) => {
        const { target, owner, ran } = build(shards, tasks);
        const id = pick % tasks.length;
        const where = ran.findIndex((ids) => ids.includes(id));
        const dup = ran.map((ids) => [...ids]);
        (dup[where] as number[]).push(id); // run twice on its own shard
        expect(() => checkRunLogs(logsOf(dup), target, owner)).toThrow(/ran twice/);
        const missing = ran.map((ids) => ids.filter((x) => x !== id));
        expect(() => checkRunLogs(logsOf(missing), target, owner)).toThrow(/never ran/);
        if (shards > 1) {
          const ownedTarget = [...target];
          const ownedOwner = [...owner];
          ownedOwner[id] = (where + 1) % shards; // owned by another shard than the one it ran on
          ownedTarget[id] = ownedOwner[id] as number;
          expect(() => checkRunLogs(logsOf(ran), ownedTarget, ownedOwner)).toThrow(/owned task/);
        }
      }),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { roundRobin, joinShortestQueue } from '@shn/scheduler';
import { seededRng } from '@shn/core';
import { simulateDispatch } from './dispatch-sim.js';
import { BIMODAL, meanMs } from './service-times.js';
import { simulateStealing } from './stealing-sim.js';

const scenario = { shards: 4, speeds: [1, 1, 1, 1], load: 0.5, requests: 3000, mix: BIMODAL, reportMs: 1, seed: 3 };

describe('balance simulations', () => {
  it('dispatch: deterministic per seed, throughput matches the offered load below saturation, latency at least the service time', () => {
    const a = simulateDispatch(roundRobin(), 'none', scenario);
    const b = simulateDispatch(roundRobin(), 'none', scenario);
    expect(a).toEqual(b);
    const offeredPerSec = ((scenario.load * 4) / meanMs(BIMODAL)) * 1000;
    expect(a.throughputPerSec).toBeGreaterThan(offeredPerSec * 0.8);
    expect(a.throughputPerSec).toBeLessThan(offeredPerSec * 1.2);
    expect(a.p50Ms).toBeGreaterThanOrEqual(0.1);
    const jsq = simulateDispatch(joinShortestQueue({ rng: seededRng(1) }), 'queue-length', scenario);
    expect(jsq.maxQueue).toBeLessThanOrEqual(a.maxQueue);
  });

  it('stealing: every task runs once, nothing is stolen without stealing, owned tasks stay home (the sim throws otherwise)', () => {
    const base = { shards: 3, tasks: 2000, load: 0.5, hotShare: 0.8, stateless: 0.5, mix: BIMODAL, messageMs: 0.005, idlePollMs: 0.2, seed: 5 };
    const off = simulateStealing({ ...base, steal: false });
    const on = simulateStealing({ ...base, steal: true });
    expect(off.stolen).toBe(0);
    expect(off.requests).toBe(0);
    expect(on.stolen).toBeGreaterThan(0);
    expect(on.p99Ms).toBeLessThan(off.p99Ms);
    expect(simulateStealing({ ...base, steal: true })).toEqual(on);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ShnError, hasCode, seededRng } from '@shn/core';
import type { ChaosTarget, RuntimeEvent, ShardGauges } from '@shn/core';
import { gameday } from './gameday.js';
import type { GamedayOptions, GamedayReport } from './gameday.js';
import type { GamedayTarget } from './gameday-target.js';
import { planKills } from './kill-schedule.js';
import { ReplayTime } from '../replay-real/replay-time.js';

/** A fake runtime on virtual time: a killed shard is back `restartMs` later (or never). */
function fakeTarget(time: ReplayTime, shards: number, restartMs: number | undefined): ChaosTarget & { kills: number[] } {
  const state: ShardGauges['state'][] = Array.from({ length: shards }, () => 'up' as const);
  const restarts = Array.from({ length: shards }, () => 0);
  const listeners = new Set<(e: RuntimeEvent) => void>();
  let waiters: Array<() => void> = [];
  const emit = (e: RuntimeEvent): void => listeners.forEach((l) => l(e));
  const ready = (): boolean => state.every((s) => s === 'up');
  const kills: number[] = [];
  return {
    shards,
    node: 'fake',
    get ready() {
      return ready();
    },
    failed: undefined,
    shardStates: () => [...state],
    kills,
    killShard: (shard) => {
      kills.push(shard);
      state[shard] = 'restarting';
      emit({ type: 'shard-crashed', shard, at: time.now(), error: 'killed' });
      if (restartMs !== undefined) {
        time.setTimeout(() => {
          state[shard] = 'up';
          restarts[shard] = (restarts[shard] as number) + 1;
          emit({ type: 'shard-restarted', shard, at: time.now(), attempt: 1 });
          if (ready()) {
            const w = waiters;
            waiters = [];
            w.forEach((f) => f());
          }
        }, restartMs);
      }
      return Promise.resolve();
    },
    whenReady: () => (ready() ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    gauges: () => state.map((s, shard) => ({ shard, state: s, restarts: restarts[shard] as number, mailboxDepth: 0, busyRatio: 0, processed: 0 })),
    subscribe: (observer) => {
      const l = (e: RuntimeEvent): void => observer.onEvent(e);
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

/** The deprecated target shape (events through `on`), still accepted. */
function legacyTarget(inner: ChaosTarget): GamedayTarget {
  return {
    shards: inner.shards,
    killShard: (s) => inner.killShard(s),
    whenReady: () => inner.whenReady(),
    gauges: () => inner.gauges(),
    on: (listener) => inner.subscribe({ onEvent: listener }),
  };
}

/** Drives virtual time in 1 ms steps until the gameday finishes. */
async function runOnVirtualTime(time: ReplayTime, options: Omit<GamedayOptions, 'clock' | 'timer'>): Promise<GamedayReport> {
  let report: GamedayReport | undefined;
  let failure: unknown;
  const done = gameday({ ...options, clock: time, timer: time }).then(
    (r) => (report = r),
    (e: unknown) => (failure = e ?? new Error('rejected')),
  );
  for (let i = 0; i < 1_000_000 && report === undefined && failure === undefined; i++) {
    await time.advanceTo(time.now() + 1);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await done;
  if (failure !== undefined) throw failure;
  return report as GamedayReport;
}

/** A workload: one op per virtual ms that fails with SHARD_CRASHED while any shard is down. */
function workload(time: ReplayTime, target: ChaosTarget): GamedayOptions['workload'] {
  return async (probe) => {
    while (!probe.stopped) {
      await probe.run(() => {
        if (target.gauges().some((g) => g.state !== 'up')) throw new ShnError('SHARD_CRASHED', 'down');
        return 'ok';
      });
      await new Promise<void>((resolve) => time.setTimeout(resolve, 1));
    }
  };
}

describe('gameday', () => {
  it('kills on a fixed schedule, waits for each recovery and reports what the workload saw', async () => {
    const time = new ReplayTime(0);
    const target = fakeTarget(time, 3, 20);
    const progress: string[] = [];
    const report = await runOnVirtualTime(time, {
      target,
      schedule: { kind: 'fixed', intervalMs: 100 },
      durationMs: 350,
      workload: workload(time, target),
      onProgress: (p) => progress.push(`${p.type} ${p.shard}`),
    });
    expect(target.kills).toEqual([0, 1, 2]);
    expect(report.kills.map((k) => [k.shard, k.atMs, k.recoveredAfterMs])).toEqual([
      [0, 100, 20],
      [1, 200, 20],
      [2, 300, 20],
    ]);
    expect(progress).toEqual(['kill 0', 'recovered 0', 'kill 1', 'recovered 1', 'kill 2', 'recovered 2']);
    expect(report.survived).toBe(true);
    expect(report.readyAtEnd).toBe(true);
    expect(report.workload.errorsByCode['SHARD_CRASHED']).toBeGreaterThanOrEqual(3 * 19);
    expect(report.workload.ok + report.workload.failed).toBe(report.workload.total);
    expect(report.events.filter((e) => e.type === 'shard-restarted')).toHaveLength(3);
    expect(report.gauges.map((g) => g.restarts)).toEqual([1, 1, 1]);
  });

  it('still accepts the deprecated GamedayTarget shape (events through on)', async () => {
    const time = new ReplayTime(0);
    const inner = fakeTarget(time, 2, 5);
    const report = await runOnVirtualTime(time, {
      target: legacyTarget(inner),
      schedule: { kind: 'fixed', intervalMs: 50 },
      durationMs: 120,
      workload: workload(time, inner),
    });
    expect(inner.kills).toEqual([0, 1]);
    expect(report.events.filter((e) => e.type === 'shard-restarted')).toHaveLength(2);
    expect(report.survived).toBe(true);
  });

  it('reports a shard that never comes back as not recovered, and does not survive', async () => {
    const time = new ReplayTime(0);
    const target = fakeTarget(time, 2, undefined);
    const report = await runOnVirtualTime(time, {
      target,
      schedule: { kind: 'at', kills: [{ atMs: 10, shard: 1 }, { atMs: 20, shard: 0 }] },
      durationMs: 100,
      recoveryTimeoutMs: 30,
      workload: async () => undefined,
    });
    expect(report.kills[0]).toMatchObject({ shard: 1, recoveredAfterMs: undefined, error: 'not ready within 30 ms' });
    // The second kill is skipped: the target never became ready again.
    expect(report.kills[1]?.error).toMatch(/^skipped/);
    expect(target.kills).toEqual([1]);
    expect(report.readyAtEnd).toBe(false);
    expect(report.survived).toBe(false);
  });

  it('counts violations and workload failures against survival', async () => {
    const time = new ReplayTime(0);
    const target = fakeTarget(time, 1, 5);
    const report = await runOnVirtualTime(time, {
      target,
      schedule: { kind: 'at', kills: [] },
      durationMs: 10,
      workload: (probe) => {
        probe.violation('read 1 after writing 2');
        return Promise.reject(new ShnError('INTERNAL', 'workload bug'));
      },
    });
    expect(report.workload.violations).toBe(1);
    expect(report.workloadError).toBe('workload bug');
    expect(report.survived).toBe(false);
  });

  it('stops early when its signal aborts', async () => {
    const time = new ReplayTime(0);
    const target = fakeTarget(time, 2, 5);
    const ac = new AbortController();
    time.setTimeout(() => ac.abort(), 50);
    const report = await runOnVirtualTime(time, {
      target,
      schedule: { kind: 'fixed', intervalMs: 20 },
      durationMs: Infinity,
      signal: ac.signal,
      workload: workload(time, target),
    });
    expect(report.kills.map((k) => k.shard)).toEqual([0, 1]);
    expect(report.durationMs).toBeLessThan(60);
  });

  it('rejects bad options with INVALID_ARGUMENT before running anything', async () => {
    const time = new ReplayTime(0);
    const target = fakeTarget(time, 2, 5);
    const base = { target, schedule: { kind: 'fixed', intervalMs: 10 }, durationMs: 10, workload: async () => undefined } as GamedayOptions;
    for (const bad of [
      { durationMs: -1 },
      { durationMs: NaN },
      { recoveryTimeoutMs: 0 },
      { workload: undefined },
      { target: {} },
      { schedule: { kind: 'fixed', intervalMs: 0 } },
      { schedule: { kind: 'fixed', intervalMs: 5, shards: [2] } },
      { schedule: { kind: 'random', minIntervalMs: 5, maxIntervalMs: 1 } },
      { schedule: { kind: 'at', kills: [{ atMs: 5, shard: 0 }, { atMs: 1, shard: 0 }] } },
      { schedule: { kind: 'sometimes' } },
    ]) {
      await expect(gameday({ ...base, ...bad } as GamedayOptions)).rejects.toSatisfy((e: unknown) => hasCode(e, 'INVALID_ARGUMENT'));
    }
    expect(target.kills).toEqual([]);
  });
});

describe('planKills', () => {
  it('random schedules are reproducible per seed, in time order, within the gap bounds and on valid shards', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 500 }), fc.integer({ min: 0, max: 500 }), (seed, shards, min, extra) => {
        const schedule = { kind: 'random', minIntervalMs: min, maxIntervalMs: min + extra } as const;
        const take = (n: number): Array<{ atMs: number; shard: number }> => {
          const out = [];
          for (const k of planKills(schedule, shards, seededRng(seed))) {
            out.push(k);
            if (out.length === n) break;
          }
          return out;
        };
        const a = take(30);
        expect(a).toEqual(take(30));
        let prev = 0;
        for (const k of a) {
          expect(k.atMs - prev).toBeGreaterThanOrEqual(min - 1e-9);
          expect(k.atMs - prev).toBeLessThanOrEqual(min + extra + 1e-9);
          expect(Number.isInteger(k.shard) && k.shard >= 0 && k.shard < shards).toBe(true);
          prev = k.atMs;
        }
      }),
    );
  });

  it('fixed schedules cycle through the given shards', () => {
    const out = [];
    for (const k of planKills({ kind: 'fixed', intervalMs: 10, firstAtMs: 0, shards: [2, 0] }, 3, seededRng(1))) {
      out.push(k);
      if (out.length === 4) break;
    }
    expect(out).toEqual([
      { atMs: 0, shard: 2 },
      { atMs: 10, shard: 0 },
      { atMs: 20, shard: 2 },
      { atMs: 30, shard: 0 },
    ]);
  });
});

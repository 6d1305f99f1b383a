/**
 * The real-runtime part of the balance bench: shard threads of `@shn/core-mailbox` doing real
 * CPU work (busy spins) behind the public API, timed on the wall clock.
 *
 * - {@link measureCapacity}: closed loop, a few asks outstanding per shard, to size the offered load.
 * - {@link runDispatch}: a dispatcher on the main thread picks the shard of every request with a
 *   `Router` from `@shn/scheduler` fed with real loads, and asks that shard's `svc` actor to do
 *   the work; open-loop Poisson arrivals; latency from the planned arrival to the reply.
 * - {@link runStealing}: a skewed stream of tasks told to the shards' `worker` actors, which run
 *   them from a `WorkStealingQueue`, with or without stealing; latency from the planned arrival
 *   to the task's completion on its shard (shard clocks mapped to the main thread's). Checks that
 *   every task ran exactly once and that owned tasks never left their shard.
 */
import { ShnError, builtModuleUrl, seededRng } from '@shn/core';
import type { Rng, Router, ShardLoad } from '@shn/core';
import { createRuntime } from '@shn/core-mailbox';
import type { Runtime, RuntimeRef } from '@shn/core-mailbox';
import type { StealCounters } from '@shn/scheduler';
import type { RunLogPage, WorkerStats } from './runtime-system.js';
import { drawMs, expGap, summarizeLatencies } from './service-times.js';
import type { ServiceMix, SimSummary } from './service-times.js';

const SYSTEM = builtModuleUrl(import.meta.url, './runtime-system.js');
const ASK_TIMEOUT_MS = 60_000;
const DRAIN_TIMEOUT_MS = 60_000;

const absoluteNow = (): number => performance.timeOrigin + performance.now();

/** Starts the bench's runtime: `shards` shard threads, stealing on or off for `worker`. */
export function startBalanceRuntime(shards: number, steal: boolean): Promise<Runtime> {
  return createRuntime({ system: SYSTEM, shards, params: { shards, steal }, askTimeoutMs: ASK_TIMEOUT_MS });
}

/**
 * Requests per second the shards complete in a closed loop (`depth` asks outstanding per shard,
 * service times drawn from `mix`) over `durationMs`: the capacity the offered load is a fraction of.
 */
export async function measureCapacity(rt: Runtime, mix: ServiceMix, durationMs: number, rng: Rng, depth = 16): Promise<number> {
  const refs = Array.from({ length: rt.shards }, (_, s) => rt.refOnShard(s, 'svc', 'one'));
  let done = 0;
  const t0 = performance.now();
  const end = t0 + durationMs;
  const loop = async (ref: RuntimeRef): Promise<void> => {
    while (performance.now() < end) {
      await ref.ask('work', drawMs(mix, rng));
      done++;
    }
  };
  await Promise.all(refs.flatMap((ref) => Array.from({ length: depth }, () => loop(ref))));
  return (done / (performance.now() - t0)) * 1000;
}

interface Arrival {
  /** Planned time, main thread's performance.now(). */
  readonly at: number;
  readonly ms: number;
}

/** A Poisson arrival schedule of `ratePerSec` over `durationMs`, service times from `mix`. */
function schedule(ratePerSec: number, durationMs: number, mix: ServiceMix, rng: Rng): Arrival[] {
  const out: Arrival[] = [];
  const perMs = ratePerSec / 1000;
  for (let t = expGap(perMs, rng); t < durationMs; t += expGap(perMs, rng)) out.push({ at: t, ms: drawMs(mix, rng) });
  return out;
}

/**
 * Fires every arrival at (or as soon as possible after) its planned time, open loop: a late
 * timer fires everything that is due, and latency is counted from the planned time, so a stalled
 * dispatcher shows up in the figures instead of hiding (no coordinated omission).
 */
function fireOpenLoop(arrivals: readonly Arrival[], fire: (i: number, plannedAt: number) => void): { start: number; done: Promise<void>; late: Float64Array } {
  const start = performance.now() + 2;
  const late = new Float64Array(arrivals.length);
  let i = 0;
  const done = new Promise<void>((resolve, reject) => {
    const tick = (): void => {
      try {
        const now = performance.now();
        while (i < arrivals.length && start + (arrivals[i] as Arrival).at <= now) {
          late[i] = now - (start + (arrivals[i] as Arrival).at);
          fire(i, start + (arrivals[i] as Arrival).at);
          i++;
        }
        if (i >= arrivals.length) resolve();
        else setTimeout(tick, Math.max(0, start + (arrivals[i] as Arrival).at - now));
      } catch (e) {
        reject(e as Error);
      }
    };
    setTimeout(tick, 2);
  });
  return { start, done, late };
}

function p99(xs: Float64Array): number {
  const sorted = Float64Array.from(xs).sort();
  return sorted[Math.max(0, Math.ceil(0.99 * sorted.length) - 1)] ?? 0;
}

/** Where a dispatch contender's `load` figures come from. */
export type RealLoadView = 'none' | 'outstanding' | 'gauges';

/** Result of one real-runtime run. */
export interface RealRunSummary extends SimSummary {
  readonly requests: number;
  /** Offered rate, requests per second. */
  readonly offeredPerSec: number;
  /** Requests served per shard. */
  readonly perShard: readonly number[];
  /** p99 of how late the dispatcher sent a request after its planned arrival, ms (main-thread stalls). */
  readonly lateP99Ms: number;
}

/**
 * One open-loop dispatch run on `rt`: `ratePerSec` Poisson arrivals for `durationMs`, each sent
 * as an ask `work` to the `svc` actor of the shard `router` picks from the candidates' loads:
 * `outstanding` is the dispatcher's own count of unanswered asks per shard (Envoy's
 * least-request), `gauges` the runtime's `gauges()[s].mailboxDepth` (frames queued towards the
 * shard, from shared counters), `none` zeros. Resolves once every ask is answered.
 */
export async function runDispatch(rt: Runtime, router: Router, view: RealLoadView, ratePerSec: number, durationMs: number, mix: ServiceMix, seed: number): Promise<RealRunSummary> {
  const shards = rt.shards;
  const refs = Array.from({ length: shards }, (_, s) => rt.refOnShard(s, 'svc', 'one'));
  const arrivals = schedule(ratePerSec, durationMs, mix, seededRng(seed));
  const n = arrivals.length;
  if (n === 0) throw new ShnError('INVALID_ARGUMENT', `no arrivals at ${ratePerSec}/s over ${durationMs} ms`);
  const outstanding = new Int32Array(shards);
  const perShard = new Array<number>(shards).fill(0);
  const latencies = new Float64Array(n);
  let answered = 0;
  let lastDone = 0;
  let failed: Error | undefined;
  let allDone: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  const candidates = (): ShardLoad[] => {
    if (view === 'gauges') return rt.gauges().map((g) => ({ shard: g.shard, load: g.mailboxDepth }));
    return Array.from({ length: shards }, (_, s) => ({ shard: s, load: view === 'outstanding' ? (outstanding[s] as number) : 0 }));
  };
  const { start, done, late } = fireOpenLoop(arrivals, (i, plannedAt) => {
    const shard = router.pick(`req/${i}`, candidates());
    outstanding[shard] = (outstanding[shard] as number) + 1;
    perShard[shard] = (perShard[shard] as number) + 1;
    (refs[shard] as RuntimeRef).ask('work', (arrivals[i] as Arrival).ms).then(
      () => {
        const now = performance.now();
        outstanding[shard] = (outstanding[shard] as number) - 1;
        latencies[i] = now - plannedAt;
        lastDone = now;
        if (++answered === n) allDone();
      },
      (e: unknown) => {
        failed ??= e as Error;
        if (++answered === n) allDone();
      },
    );
  });
  await done;
  await finished;
  if (failed !== undefined) throw failed;
  return { ...summarizeLatencies(latencies, lastDone - start), requests: n, offeredPerSec: ratePerSec, perShard, lateP99Ms: p99(late) };
}

/** The skewed stateless workload of {@link runStealing}. */
export interface RealStealingScenario {
  readonly shards: number;
  readonly steal: boolean;
  /** Offered rate over all shards, requests per second. */
  readonly ratePerSec: number;
  readonly durationMs: number;
  /** Share of arrivals told to shard 0; the rest is spread evenly over the others. */
  readonly hotShare: number;
  /** Share of tasks owned by the actor of the shard they arrive at (never stealable). */
  readonly ownedShare: number;
  readonly mix: ServiceMix;
  readonly seed: number;
}

/** Result of {@link runStealing}. */
export interface RealStealingSummary extends RealRunSummary {
  /** Tasks that ran on a shard other than the one they were told to. */
  readonly moved: number;
  readonly counters: StealCounters;
  /** Largest round trip of the clock-offset estimate, ms (bounds the latency error of a shard clock). */
  readonly clockRttMs: number;
}

/**
 * This shard's clock minus the main thread's (absolute ms), from the fastest of `pings` asks:
 * the shard read its clock within that round trip, so the error is at most half of it.
 */
async function clockOffset(ref: RuntimeRef, pings = 20): Promise<{ offset: number; rtt: number }> {
  let best = { offset: 0, rtt: Infinity };
  for (let k = 0; k < pings; k++) {
    const t0 = absoluteNow();
    const there = await ref.ask<number>('now');
    const t1 = absoluteNow();
    if (t1 - t0 < best.rtt) best = { offset: there - (t0 + t1) / 2, rtt: t1 - t0 };
  }
  return best;
}

/**
 * Checks the shards' run logs (`logs[k]`: the pages read from shard k) against what was sent
 * (`target[id]`: the shard task id was told to; `owner[id]`: its owning shard, or -1 if
 * stateless): every task ran exactly once, on its owner's shard if it has one. Returns where each
 * ran, the count per shard and how many ran away from their target. Throws ShnError
 * `PROTOCOL_ERROR` naming the first violation (a page from the wrong shard, an unknown id, a task
 * run twice or never, an owned task run elsewhere).
 */
export function checkRunLogs(logs: readonly (readonly RunLogPage[])[], target: ArrayLike<number>, owner: ArrayLike<number>): { ranOn: Int32Array; perShard: number[]; moved: number } {
  const n = target.length;
  const ranOn = new Int32Array(n).fill(-1);
  const perShard = new Array<number>(logs.length).fill(0);
  let moved = 0;
  logs.forEach((pages, k) => {
    for (const page of pages) {
      if (page.shard !== k) throw new ShnError('PROTOCOL_ERROR', `worker on shard ${page.shard} answered for shard ${k}`);
      for (const id of page.ids) {
        if (!(Number.isInteger(id) && id >= 0 && id < n)) throw new ShnError('PROTOCOL_ERROR', `shard ${k} ran unknown task ${id}`);
        if (ranOn[id] !== -1) throw new ShnError('PROTOCOL_ERROR', `task ${id} ran twice (shards ${ranOn[id]} and ${k})`);
        ranOn[id] = k;
        const own = owner[id] as number;
        if (own !== -1 && own !== k) throw new ShnError('PROTOCOL_ERROR', `owned task ${id} of shard ${own} ran on shard ${k}`);
        if (target[id] !== k) moved++;
        perShard[k] = (perShard[k] as number) + 1;
      }
    }
  });
  for (let id = 0; id < n; id++) if (ranOn[id] === -1) throw new ShnError('PROTOCOL_ERROR', `task ${id} never ran`);
  return { ranOn, perShard, moved };
}

async function readLog(ref: RuntimeRef): Promise<RunLogPage[]> {
  const pages: RunLogPage[] = [];
  for (let from = 0; ; ) {
    const page = await ref.ask<RunLogPage>('log', { from });
    pages.push(page);
    from += page.ids.length;
    if (from >= page.total || page.ids.length === 0) return pages;
  }
}

/**
 * One run of the skewed workload on a fresh runtime: tasks told to the shards' `worker` actors
 * (shard 0 gets `hotShare` of them), open loop; waits until every task has run, then reads each
 * shard's run log and checks it. Rejects with ShnError `PROTOCOL_ERROR` if a task ran twice, never
 * ran, or an owned task ran on another shard; `TIMEOUT` if the shards do not finish within 60 s.
 */
export async function runStealing(s: RealStealingScenario): Promise<RealStealingSummary> {
  const rt = await startBalanceRuntime(s.shards, s.steal);
  try {
    const refs = Array.from({ length: s.shards }, (_, k) => rt.refOnShard(k, 'worker', 'one'));
    const clocks = [];
    for (const ref of refs) clocks.push(await clockOffset(ref));
    for (const ref of refs) await ref.send('wake');
    const rng = seededRng(s.seed);
    const arrivals = schedule(s.ratePerSec, s.durationMs, s.mix, rng);
    const n = arrivals.length;
    const target = new Int32Array(n);
    const owner = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const shard = s.shards === 1 || rng.next() < s.hotShare ? 0 : 1 + rng.int(s.shards - 1);
      target[i] = shard;
      owner[i] = rng.next() < s.ownedShare ? shard : -1;
    }
    const plannedAbs = new Float64Array(n);
    let failed: Error | undefined;
    const { start, done, late } = fireOpenLoop(arrivals, (i, plannedAt) => {
      plannedAbs[i] = performance.timeOrigin + plannedAt;
      (refs[target[i] as number] as RuntimeRef).send('task', { id: i, ms: (arrivals[i] as Arrival).ms, owner: owner[i] as number }).catch((e: unknown) => {
        failed ??= e as Error;
      });
    });
    await done;
    const deadline = performance.now() + DRAIN_TIMEOUT_MS;
    let stats: WorkerStats[];
    for (;;) {
      if (failed !== undefined) throw failed;
      stats = await Promise.all(refs.map((ref) => ref.ask<WorkerStats>('stats')));
      if (stats.reduce((a, x) => a + x.ran, 0) >= n && stats.every((x) => x.queued === 0)) break;
      if (performance.now() > deadline) throw new ShnError('TIMEOUT', `stealing run: ${stats.reduce((a, x) => a + x.ran, 0)} of ${n} tasks ran within ${DRAIN_TIMEOUT_MS} ms`);
      await new Promise<void>((r) => setTimeout(r, 10));
    }
    const logs: RunLogPage[][] = [];
    for (const ref of refs) logs.push(await readLog(ref));
    const { perShard, moved } = checkRunLogs(logs, target, owner);
    const latencies = new Float64Array(n);
    let lastDone = -Infinity;
    for (let k = 0; k < s.shards; k++) {
      const offset = (clocks[k] as { offset: number }).offset;
      for (const page of logs[k] as RunLogPage[]) {
        for (let j = 0; j < page.ids.length; j++) {
          const id = page.ids[j] as number;
          // The shard's completion time on the main thread's absolute clock, then relative to its performance.now().
          const doneAbs = (page.doneAt[j] as number) - offset;
          latencies[id] = doneAbs - (plannedAbs[id] as number);
          lastDone = Math.max(lastDone, doneAbs - performance.timeOrigin);
        }
      }
    }
    const counters: StealCounters = { requests: 0, stolen: 0, givenAway: 0, emptyReplies: 0, timedOut: 0 };
    for (const x of stats) for (const key of Object.keys(counters) as (keyof StealCounters)[]) counters[key] += x.counters[key];
    if (counters.stolen !== counters.givenAway) throw new ShnError('PROTOCOL_ERROR', `${counters.stolen} tasks stolen but ${counters.givenAway} given away`);
    if (!s.steal && moved > 0) throw new ShnError('PROTOCOL_ERROR', `${moved} tasks moved with stealing off`);
    return {
      ...summarizeLatencies(latencies, lastDone - start),
      requests: n,
      offeredPerSec: s.ratePerSec,
      perShard,
      lateP99Ms: p99(late),
      moved,
      counters,
      clockRttMs: Math.max(...clocks.map((c) => c.rtt)),
    };
  } finally {
    await rt.close();
  }
}

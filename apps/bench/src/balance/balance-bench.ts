import { seededRng } from '@shn/core';
import type { Router } from '@shn/core';
import { joinShortestQueue, leastLoaded, powerOfTwoChoices, roundRobin } from '@shn/scheduler';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { ResultBuilder } from '../harness/result-builder.js';
import { simulateDispatch } from './dispatch-sim.js';
import type { DispatchScenario, LoadView } from './dispatch-sim.js';
import { measureCapacity, runDispatch, runStealing, startBalanceRuntime } from './runtime-balance.js';
import type { RealLoadView, RealRunSummary, RealStealingSummary } from './runtime-balance.js';
import { BIMODAL, meanMs } from './service-times.js';
import type { ServiceMix } from './service-times.js';
import { simulateStealing } from './stealing-sim.js';
import type { StealingScenario } from './stealing-sim.js';

/** Options of {@link runBalanceBench}. */
export interface BalanceBenchOptions {
  /** Smoke mode: 4 000 requests per run, one seed. */
  readonly quick: boolean;
  /** Seeds (repeats) per figure (default 3; 1 in quick mode). */
  readonly repeats?: number | undefined;
  /** Requests per simulated run (default 200 000). */
  readonly count?: number | undefined;
  /** Run the real-runtime part too (default true). */
  readonly runtime?: boolean | undefined;
  /** Length of each real-runtime run's arrival window, ms (default 4 000; 600 in quick mode). */
  readonly runtimeMs?: number | undefined;
}

/**
 * Service times of the real-runtime part: the simulation's shape scaled by 5 (90% 0.5 ms, 10%
 * 9.5 ms of busy CPU; mean 1.4 ms), so per-message costs (tens of µs) stay small beside them.
 */
export const REAL_MIX: ServiceMix = { parts: [[0.9, 0.5], [0.1, 9.5]] };

/** Shards of the real-runtime part: one per core of the 2-core bench machine (the dispatcher is the main thread). */
const REAL_SHARDS = 2;
/** Offered load of the real dispatch runs, as a fraction of the measured capacity. */
const REAL_DISPATCH_LOAD = 0.7;
/** The skewed stealing workload: 80% of arrivals on shard 0, 20% of tasks owned, 55% of capacity in all (shard 0 offered 0.88x its own). */
const REAL_HOT_SHARE = 0.8;
const REAL_OWNED_SHARE = 0.2;
const REAL_STEAL_LOAD = 0.55;

interface RealContender {
  readonly id: string;
  readonly label: string;
  readonly view: RealLoadView;
  readonly make: (seed: number) => Router;
}

const REAL_CONTENDERS: readonly RealContender[] = [
  { id: 'rr', label: 'round robin', view: 'none', make: () => roundRobin() },
  { id: 'll', label: 'least loaded (runtime gauges: mailboxDepth)', view: 'gauges', make: () => leastLoaded() },
  { id: 'p2c', label: 'power of two choices (outstanding asks)', view: 'outstanding', make: (seed) => powerOfTwoChoices({ rng: seededRng(seed) }) },
  { id: 'jsq', label: 'join shortest queue (outstanding asks)', view: 'outstanding', make: (seed) => joinShortestQueue({ rng: seededRng(seed) }) },
];

interface Contender {
  readonly id: string;
  readonly label: string;
  readonly view: LoadView;
  readonly make: (seed: number) => Router;
}

const CONTENDERS: readonly Contender[] = [
  { id: 'rr', label: 'round robin', view: 'none', make: () => roundRobin() },
  { id: 'll', label: 'least loaded (1 ms gauges)', view: 'reported-work', make: () => leastLoaded() },
  { id: 'p2c', label: 'power of two choices', view: 'queue-length', make: (seed) => powerOfTwoChoices({ rng: seededRng(seed) }) },
  { id: 'jsq', label: 'join shortest queue', view: 'queue-length', make: (seed) => joinShortestQueue({ rng: seededRng(seed) }) },
];

/**
 * The balance bench, on a discrete-event simulation (virtual time; deterministic per seed):
 * 1. dispatch: round robin, least loaded, power of two choices and JSQ (the real balancers of
 *    @shn/scheduler) spread one Poisson stream with uneven (bimodal) service times over 4 FIFO
 *    shards, at 80% load, on equal shards and with one shard at half speed; p50, p99, throughput.
 * 2. stealing: 4 shards running their own WorkStealingQueue, 70% of arrivals on shard 0, 80% of
 *    tasks stateless, 60% total load; with and without stealing.
 * Then on the real runtime (wall clock, `rt.*` figures; see {@link runRealRuntimePart}):
 * 3. the same four balancers dispatching asks from the main thread to 2 shard threads that
 *    busy-spin uneven service times, fed with real loads, open loop at 70% of measured capacity;
 * 4. a skewed stateless workload on 2 shards' WorkStealingQueues, with and without stealing,
 *    checked for exactly-once execution and owned tasks staying home.
 */
export async function runBalanceBench(options: BalanceBenchOptions): Promise<ResultBuilder> {
  const quick = options.quick;
  const repeats = options.repeats ?? (quick ? 1 : 3);
  const requests = options.count ?? (quick ? 4_000 : 200_000);
  const seeds = Array.from({ length: repeats }, (_, i) => 1 + i);
  const scenarios: Record<string, Omit<DispatchScenario, 'seed'>> = {
    equal: { shards: 4, speeds: [1, 1, 1, 1], load: 0.8, requests, mix: BIMODAL, reportMs: 1 },
    slow: { shards: 4, speeds: [1, 1, 1, 0.5], load: 0.8, requests, mix: BIMODAL, reportMs: 1 },
  };
  const stealing: Omit<StealingScenario, 'seed' | 'steal'> = {
    shards: 4,
    tasks: requests,
    load: 0.6,
    hotShare: 0.7,
    stateless: 0.8,
    mix: BIMODAL,
    messageMs: 0.005,
    idlePollMs: 0.2,
  };
  const real = options.runtime ?? true;
  const realConfig = real
    ? { shards: REAL_SHARDS, runMs: options.runtimeMs ?? (quick ? 600 : 4_000), serviceMix: REAL_MIX, dispatchLoad: REAL_DISPATCH_LOAD, stealLoad: REAL_STEAL_LOAD, hotShare: REAL_HOT_SHARE, ownedShare: REAL_OWNED_SHARE }
    : 'skipped';
  const result = new ResultBuilder('balance', quick, { repeats, requests, scenarios, stealing, serviceMix: BIMODAL, realRuntime: realConfig });
  result.note(
    'Faithful simulation, not a timing run: a discrete-event model in virtual time (FIFO single-server shards; exact M/G/1 completion times) driving the real Router objects and the real WorkStealingQueue of @shn/scheduler. Figures are deterministic per seed; samples are seeds.',
  );
  result.note(
    'Service times: 90% of requests 0.1 ms, 10% 1.9 ms (mean 0.28 ms). Least loaded sees each shard\'s remaining work as a gauge published every 1 ms (stale between reports, as ShardGauges are); P2C and JSQ see exact queue lengths at each pick; round robin sees nothing.',
  );
  result.note(
    'Stealing: steal request and reply take 5 µs each way; a victim answers between tasks; an idle shard that cannot ask looks again after 0.2 ms; owned (stateful) tasks are asserted never to leave their shard.',
  );
  for (const [name, scenario] of Object.entries(scenarios)) {
    for (const c of CONTENDERS) {
      const runs = seeds.map((seed) => simulateDispatch(c.make(seed), c.view, { ...scenario, seed }));
      const tag = name === 'equal' ? 'equal shards' : 'one shard at half speed';
      result.addFigure(`${name}.${c.id}.p50`, c.label, `p50 latency, ${tag}`, 'ms', runs.map((r) => r.p50Ms));
      result.addFigure(`${name}.${c.id}.p99`, c.label, `p99 latency, ${tag}`, 'ms', runs.map((r) => r.p99Ms));
      result.addFigure(`${name}.${c.id}.tput`, c.label, `throughput, ${tag}`, 'req/s', runs.map((r) => r.throughputPerSec), `max queue ${Math.max(...runs.map((r) => r.maxQueue))}`);
    }
    const label = name === 'equal' ? 'equal shards' : 'one slow shard';
    result.addRatio(`${name}.p99.rr/p2c`, `p99 round robin / power of two choices, ${label}`, `${name}.rr.p99`, `${name}.p2c.p99`, { op: '>=', value: 1 });
    result.addRatio(`${name}.p99.p2c/jsq`, `p99 power of two choices / JSQ, ${label}`, `${name}.p2c.p99`, `${name}.jsq.p99`, { op: '<=', value: 2 });
    result.addRatio(`${name}.p99.ll/jsq`, `p99 least loaded (stale gauges) / JSQ, ${label}`, `${name}.ll.p99`, `${name}.jsq.p99`);
    result.addRatio(`${name}.tput.jsq/rr`, `throughput JSQ / round robin, ${label}`, `${name}.jsq.tput`, `${name}.rr.tput`, { op: '>=', value: 1 });
  }
  // Hot shard offered 1.86x its capacity (overloaded without stealing) and 0.9x (stable but near saturation).
  const skews = [
    { id: '', load: stealing.load, label: 'skewed stateless workload (hot shard at 1.86x)' },
    { id: 'mild.', load: 0.29, label: 'skewed stateless workload (hot shard at 0.9x)' },
  ];
  for (const skew of skews) {
    for (const steal of [false, true]) {
      const id = `${skew.id}${steal ? 'steal' : 'nosteal'}`;
      const label = steal ? 'work stealing' : 'no stealing';
      const runs = seeds.map((seed) => simulateStealing({ ...stealing, load: skew.load, steal, seed }));
      result.addFigure(`${id}.p50`, label, `p50 latency, ${skew.label}`, 'ms', runs.map((r) => r.p50Ms));
      result.addFigure(`${id}.p99`, label, `p99 latency, ${skew.label}`, 'ms', runs.map((r) => r.p99Ms));
      result.addFigure(`${id}.tput`, label, `throughput, ${skew.label}`, 'req/s', runs.map((r) => r.throughputPerSec), steal ? `${runs[0]?.stolen ?? 0} tasks stolen in ${runs[0]?.requests ?? 0} requests (first seed)` : undefined);
    }
    result.addRatio(`${skew.id}steal.p99`, `p99 no stealing / work stealing, hot shard at ${skew.id === '' ? '1.86x' : '0.9x'}`, `${skew.id}nosteal.p99`, `${skew.id}steal.p99`, { op: '>=', value: 1 });
    result.addRatio(`${skew.id}steal.tput`, `throughput work stealing / no stealing, hot shard at ${skew.id === '' ? '1.86x' : '0.9x'}`, `${skew.id}steal.tput`, `${skew.id}nosteal.tput`, { op: '>=', value: 1 });
  }
  result.note(
    'Without stealing at 1.86x the hot shard\'s queue grows for the whole run, so its latencies grow with the run length (the throughput ratio is the stable figure); at 0.9x the system is stable either way and the p99 ratio is meaningful.',
  );
  if (real) await runRealRuntimePart(result, quick, repeats, options.runtimeMs ?? (quick ? 600 : 4_000));
  return result;
}

/** Microseconds some runnable task waited for a CPU since boot (Linux PSI), or undefined where unreadable. */
function cpuStallMicros(): number | undefined {
  try {
    const m = /^some .*total=(\d+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return m === null ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

function addRunFigures(result: ResultBuilder, id: string, label: string, tag: string, runs: readonly RealRunSummary[], note: string): void {
  result.addFigure(`${id}.p50`, label, `p50 latency, ${tag}`, 'ms', runs.map((r) => r.p50Ms));
  result.addFigure(`${id}.p99`, label, `p99 latency, ${tag}`, 'ms', runs.map((r) => r.p99Ms));
  result.addFigure(`${id}.tput`, label, `throughput, ${tag}`, 'req/s', runs.map((r) => r.throughputPerSec), note);
}

/**
 * The real-runtime part: 2 shard threads of @shn/core-mailbox busy-spinning for each request's
 * service time, a dispatcher on the main thread, wall-clock timing. Figures prefixed `rt.`.
 */
async function runRealRuntimePart(result: ResultBuilder, quick: boolean, repeats: number, runMs: number): Promise<void> {
  const seeds = Array.from({ length: repeats }, (_, i) => 1 + i);
  const load1 = os.loadavg()[0] ?? 0;
  const stall0 = cpuStallMicros();
  const wall0 = performance.now();
  const rt = await startBalanceRuntime(REAL_SHARDS, false);
  let capacity: number;
  const dispatchRuns = new Map<string, RealRunSummary[]>(REAL_CONTENDERS.map((c) => [c.id, []]));
  try {
    // Warm-up, then the capacity the offered load is a fraction of (closed loop, 16 asks outstanding per shard).
    await measureCapacity(rt, REAL_MIX, quick ? 200 : 500, seededRng(99));
    capacity = await measureCapacity(rt, REAL_MIX, quick ? 500 : 2_000, seededRng(100));
    result.addFigure('rt.capacity', `${REAL_SHARDS} shard threads, closed loop`, 'capacity (16 asks outstanding per shard)', 'req/s', [capacity], `nominal ${((REAL_SHARDS / meanMs(REAL_MIX)) * 1000).toFixed(0)} req/s from the mean service time`);
    // Balancers interleaved within each repeat (so drift on the machine spreads over all of them); same arrivals for each.
    for (const seed of seeds) {
      for (const c of REAL_CONTENDERS) (dispatchRuns.get(c.id) as RealRunSummary[]).push(await runDispatch(rt, c.make(seed), c.view, REAL_DISPATCH_LOAD * capacity, runMs, REAL_MIX, seed));
    }
  } finally {
    await rt.close();
  }
  const tag = `real runtime, ${REAL_SHARDS} shards at ${Math.round(REAL_DISPATCH_LOAD * 100)}% of capacity`;
  for (const c of REAL_CONTENDERS) {
    const runs = dispatchRuns.get(c.id) as RealRunSummary[];
    addRunFigures(result, `rt.${c.id}`, c.label, tag, runs, `${runs[0]?.requests ?? 0} requests per run; per shard ${runs[0]?.perShard.join('/') ?? ''}; dispatcher late p99 ${Math.max(...runs.map((r) => r.lateP99Ms)).toFixed(1)} ms (worst run)`);
  }
  result.addRatio('rt.p99.rr/jsq', 'real runtime: p99 round robin / JSQ (outstanding asks)', 'rt.rr.p99', 'rt.jsq.p99', { op: '>=', value: 1 });
  result.addRatio('rt.p99.rr/p2c', 'real runtime: p99 round robin / power of two choices (outstanding asks)', 'rt.rr.p99', 'rt.p2c.p99', { op: '>=', value: 1 });
  result.addRatio('rt.p99.p2c/jsq', 'real runtime: p99 power of two choices / JSQ (identical choices with 2 shards but for ties)', 'rt.p2c.p99', 'rt.jsq.p99');
  result.addRatio('rt.p99.ll/jsq', 'real runtime: p99 least loaded on runtime gauges / JSQ on outstanding asks', 'rt.ll.p99', 'rt.jsq.p99');
  result.addRatio('rt.p50.rr/jsq', 'real runtime: p50 round robin / JSQ', 'rt.rr.p50', 'rt.jsq.p50');
  result.addRatio('rt.tput.jsq/rr', 'real runtime: throughput JSQ / round robin (same offered load)', 'rt.jsq.tput', 'rt.rr.tput');

  const stealRuns = new Map<boolean, RealStealingSummary[]>([[false, []], [true, []]]);
  for (const seed of seeds) {
    for (const steal of [false, true]) {
      (stealRuns.get(steal) as RealStealingSummary[]).push(
        await runStealing({ shards: REAL_SHARDS, steal, ratePerSec: REAL_STEAL_LOAD * capacity, durationMs: runMs, hotShare: REAL_HOT_SHARE, ownedShare: REAL_OWNED_SHARE, mix: REAL_MIX, seed }),
      );
    }
  }
  const hot = (REAL_HOT_SHARE * REAL_STEAL_LOAD * REAL_SHARDS).toFixed(2);
  const stealTag = `real runtime, skewed stateless workload (shard 0 offered ${hot}x its capacity)`;
  for (const steal of [false, true]) {
    const runs = stealRuns.get(steal) as RealStealingSummary[];
    const first = runs[0] as RealStealingSummary;
    const note = `${first.requests} tasks in the first run, ran per shard ${first.perShard.join('/')}; ${steal ? `${first.counters.stolen} stolen in ${first.counters.requests} requests (${first.counters.emptyReplies} empty); ` : ''}every task ran exactly once and no owned task left its shard (checked in every run); clock-offset error <= ${(Math.max(...runs.map((r) => r.clockRttMs)) / 2).toFixed(3)} ms`;
    addRunFigures(result, steal ? 'rt.steal' : 'rt.nosteal', steal ? 'work stealing' : 'no stealing', stealTag, runs, note);
  }
  result.addRatio('rt.steal.p99', `real runtime: p99 no stealing / work stealing, shard 0 at ${hot}x`, 'rt.nosteal.p99', 'rt.steal.p99', { op: '>=', value: 1 });
  result.addRatio('rt.steal.p50', `real runtime: p50 no stealing / work stealing, shard 0 at ${hot}x`, 'rt.nosteal.p50', 'rt.steal.p50');
  result.addRatio('rt.steal.tput', `real runtime: throughput work stealing / no stealing, shard 0 at ${hot}x`, 'rt.steal.tput', 'rt.nosteal.tput');
  const stall1 = cpuStallMicros();
  const stalled = stall0 === undefined || stall1 === undefined ? 'unknown' : `${(((stall1 - stall0) / 1000 / (performance.now() - wall0)) * 100).toFixed(0)}%`;
  result.note(
    `Machine load around the real-runtime part: 1-min load average ${load1.toFixed(2)} at its start; CPU pressure (Linux PSI "some": share of wall time in which a runnable thread waited for a CPU, this bench's own 3 threads included) ${stalled}. Other work on the machine inflates every rt.* latency; compare balancers within one run.`,
  );
  result.note(
    `Real runtime (figures rt.*): ${REAL_SHARDS} shard threads of @shn/core-mailbox (createRuntime defaults) and the dispatcher on the main thread, on a 2-core machine: 3 threads on 2 cores, so the dispatcher competes with busy shards for CPU (its lateness is in the throughput notes; latency counts from the planned arrival, so its stalls are included, not hidden). With 2 shards power of two choices always compares both shards, i.e. it is JSQ with a different tie-break; the difference between the two is noise here, not a property of P2C.`,
  );
  result.note(
    `Real dispatch: open-loop Poisson arrivals at ${Math.round(REAL_DISPATCH_LOAD * 100)}% of the capacity measured in the same run; each request is an ask to the picked shard's per-shard svc actor, which busy-spins its service time (90% 0.5 ms, 10% 9.5 ms; mean 1.4 ms). P2C and JSQ see the dispatcher's own unanswered asks per shard (Envoy least-request); least loaded sees rt.gauges()[s].mailboxDepth (shared counters, no message; ring frames are released once per pass over a ring, so the gauge lags); round robin sees nothing. ${repeats} repeat(s) of ${runMs} ms each, same arrivals for every balancer within a repeat.`,
  );
  result.note(
    `Real stealing: a fresh runtime per run; ${Math.round(REAL_HOT_SHARE * 100)}% of arrivals told to shard 0's worker, the rest to shard 1's; ${Math.round(REAL_OWNED_SHARE * 100)}% of tasks owned by the actor of the shard they arrive at (never stealable); total ${Math.round(REAL_STEAL_LOAD * 100)}% of measured capacity. Each worker runs its WorkStealingQueue one task per event-loop turn (reading its rings in between); an idle worker asks the other for half its stealable queue with steal-request/steal-reply messages over the rings. Latency is from the planned arrival to the task's completion on its shard (shard clocks mapped to the main thread's by the fastest of 20 ping asks).`,
  );
}

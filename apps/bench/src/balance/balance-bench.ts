import { seededRng } from '@shn/core';
import type { Router } from '@shn/core';
import { joinShortestQueue, leastLoaded, powerOfTwoChoices, roundRobin } from '@shn/scheduler';
import { ResultBuilder } from '../harness/result-builder.js';
import { simulateDispatch } from './dispatch-sim.js';
import type { DispatchScenario, LoadView } from './dispatch-sim.js';
import { BIMODAL } from './service-times.js';
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
}

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
  const result = new ResultBuilder('balance', quick, { repeats, requests, scenarios, stealing, serviceMix: BIMODAL });
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
  return result;
}

import { compose } from '@shn/core';
import type { Envelope } from '@shn/core';
import { breakerGroup, circuitBreaker, pipeline, resilienceMiddleware, timeoutPolicy } from '@shn/breaker';
import CircuitBreaker from 'opossum';
import { measureLatencies, measureRate, repeatAlternating } from '../harness/measure.js';
import type { MeasureSpan } from '../harness/measure.js';
import { ResultBuilder } from '../harness/result-builder.js';
import { startRuntimeContenders } from './runtime-contenders.js';

/** Options of {@link runBreakerBench}. */
export interface BreakerBenchOptions {
  /** Smoke mode: tiny counts, one repeat, no warm-up. */
  readonly quick: boolean;
  /** Kept repeats per figure (default 7; 1 in quick mode). */
  readonly repeats?: number | undefined;
  /** Calls per throughput batch (default 200 000; 2 000 in quick mode). */
  readonly count?: number | undefined;
  /** Progress lines go here (default: stderr). */
  readonly log?: (line: string) => void;
  /** Also measure real runtime asks with and without the middleware (default true). */
  readonly runtime?: boolean;
}

/** One way of making the same call. */
interface Contender {
  readonly id: string;
  readonly subject: string;
  readonly call: () => Promise<unknown>;
}

const ENV: Envelope = { id: '1:1', to: { node: 'local', shard: 1, actor: 'kv/k1' }, type: 'get', body: 42, headers: {}, correlationId: '1' };

/** The "destination": an ask that answers at once (what is measured is the guard's own cost). */
const answer = (env: Envelope): Promise<unknown> => Promise.resolve(env.body);

async function sequential(call: () => Promise<unknown>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await call();
}

/**
 * Runs `body` with the global timer functions wrapped to count the timers it leaves armed
 * (created and neither cleared nor fired, intervals included). Unref'd timers count too, which
 * `process.getActiveResourcesInfo()` would miss.
 */
async function countArmedTimers(body: () => Promise<void>): Promise<number> {
  const g = globalThis as unknown as Record<string, (...a: unknown[]) => unknown>;
  const saved = { setTimeout: g.setTimeout, setInterval: g.setInterval, clearTimeout: g.clearTimeout, clearInterval: g.clearInterval };
  const armed = new Set<unknown>();
  g.setTimeout = (fn: unknown, ms: unknown, ...rest: unknown[]) => {
    const h = (saved.setTimeout as (...a: unknown[]) => unknown)(
      (...a: unknown[]) => {
        armed.delete(h);
        (fn as (...b: unknown[]) => void)(...a);
      },
      ms,
      ...rest,
    );
    armed.add(h);
    return h;
  };
  g.setInterval = (...a: unknown[]) => {
    const h = (saved.setInterval as (...b: unknown[]) => unknown)(...a);
    armed.add(h);
    return h;
  };
  g.clearTimeout = (h: unknown) => {
    armed.delete(h);
    (saved.clearTimeout as (x: unknown) => void)(h);
  };
  g.clearInterval = (h: unknown) => {
    armed.delete(h);
    (saved.clearInterval as (x: unknown) => void)(h);
  };
  try {
    await body();
    return armed.size;
  } finally {
    Object.assign(g, saved);
  }
}

/**
 * The breaker bench: the same immediately-answered ask made bare, through the `@shn/breaker`
 * ask middleware at its defaults (one breaker group keyed by shard), through a plain
 * `circuitBreaker().run`, and through opossum 9 used directly (at its defaults, which arm a
 * 10 s timeout timer per call, and with `timeout: false`). Also the middleware with a 10 s
 * timeout policy, the like-for-like match for opossum's defaults. One call in flight; calls/s
 * and p50/p99 latency, the contenders alternating round by round. Then, as a note: live timers
 * after making 1 000 destinations each way.
 */
export async function runBreakerBench(options: BreakerBenchOptions): Promise<ResultBuilder> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const quick = options.quick;
  const repeats = options.repeats ?? (quick ? 1 : 7);
  const warmups = quick ? 0 : 1;
  const count = options.count ?? (quick ? 2_000 : 200_000);
  const span: MeasureSpan = quick ? { count } : { durationMs: 1_000, batch: count };
  const latencyCalls = quick ? 500 : 20_000;
  const config = { repeats, warmups, span, latencyCallsPerRepeat: latencyCalls, inFlight: 1 };
  const result = new ResultBuilder('breaker', quick, config);

  const group = breakerGroup();
  const withTimeout = breakerGroup();
  const mw = compose([resilienceMiddleware({ policy: group })], 'ask', answer);
  const mwTimeout = compose([resilienceMiddleware({ policy: pipeline(withTimeout, timeoutPolicy(10_000)) })], 'ask', answer);
  const plain = circuitBreaker('shard:1');
  const opossumDefaults = new CircuitBreaker(answer);
  const opossumNoTimeout = new CircuitBreaker(answer, { timeout: false });
  const contenders: Contender[] = [
    { id: 'bare', subject: 'bare call (baseline)', call: () => answer(ENV) },
    { id: 'shn.mw', subject: '@shn/breaker ask middleware (defaults)', call: () => mw(ENV) },
    { id: 'shn.run', subject: '@shn/breaker circuitBreaker().run', call: () => plain.run(() => answer(ENV)) },
    { id: 'opossum', subject: 'opossum 9 fire() (defaults: 10 s timeout)', call: () => opossumDefaults.fire(ENV) },
    { id: 'opossum.noTimeout', subject: 'opossum 9 fire() (timeout: false)', call: () => opossumNoTimeout.fire(ENV) },
    { id: 'shn.mw.timeout', subject: '@shn/breaker middleware + 10 s timeout policy', call: () => mwTimeout(ENV) },
  ];
  try {
    log(`breaker: throughput, ${contenders.length} contenders alternating...`);
    const rates = await repeatAlternating(
      { warmups, repeats },
      contenders.map((c) => () => measureRate(span, (n) => sequential(c.call, n))),
    );
    contenders.forEach((c, i) => result.addFigure(`${c.id}.rate`, c.subject, 'calls/s, 1 in flight', 'ops/s', rates[i] as number[]));

    log('breaker: latency...');
    const lats = await repeatAlternating(
      { warmups, repeats },
      contenders.map((c) => () => measureLatencies(latencyCalls, () => c.call().then(() => undefined))),
    );
    contenders.forEach((c, i) => {
      const l = lats[i] ?? [];
      result.addFigure(`${c.id}.p50`, c.subject, 'latency p50, 1 in flight', 'µs', l.map((x) => x.p50Us));
      result.addFigure(`${c.id}.p99`, c.subject, 'latency p99, 1 in flight', 'µs', l.map((x) => x.p99Us));
    });
    const bare = lats[0] ?? [];
    contenders.slice(1).forEach((c, k) => {
      const l = lats[k + 1] ?? [];
      result.addFigure(
        `${c.id}.added`,
        c.subject,
        'added latency p50 over the bare call',
        'µs',
        l.map((x, r) => x.p50Us - (bare[r]?.p50Us ?? 0)),
        'per round: contender p50 minus the bare call p50 of the same round',
      );
    });
  } finally {
    opossumDefaults.shutdown();
    opossumNoTimeout.shutdown();
    group.close();
    withTimeout.close();
  }

  result.addRatio('mw.vs.opossum', '@shn/breaker middleware calls/s ÷ opossum (no timeout) calls/s', 'shn.mw.rate', 'opossum.noTimeout.rate', { op: '>=', value: 1 });
  result.addRatio('mwTimeout.vs.opossumDefaults', '@shn/breaker middleware + timeout calls/s ÷ opossum at defaults calls/s', 'shn.mw.timeout.rate', 'opossum.rate', { op: '>=', value: 1 });
  result.addRatio('mw.vs.bare', '@shn/breaker middleware calls/s ÷ bare calls/s (a bare call does nothing: this is the guard’s whole cost)', 'shn.mw.rate', 'bare.rate');
  result.addRatio('run.vs.bare', 'circuitBreaker().run calls/s ÷ bare calls/s', 'shn.run.rate', 'bare.rate');

  if (options.runtime ?? true) {
    log('breaker: runtime asks with and without the middleware...');
    const rts = await startRuntimeContenders();
    try {
      const rtRates = await repeatAlternating(
        { warmups, repeats },
        rts.map((c) => () => measureRate(quick ? { count: Math.min(count, 500) } : { durationMs: 1_000, batch: 5_000 }, (n) => sequential(c.call, n))),
      );
      rts.forEach((c, i) => result.addFigure(`${c.id}.rate`, c.subject, 'asks/s, 1 in flight', 'ops/s', rtRates[i] as number[]));
      const rtLats = await repeatAlternating(
        { warmups, repeats },
        rts.map((c) => () => measureLatencies(quick ? 200 : 5_000, c.call)),
      );
      rts.forEach((c, i) => {
        const l = rtLats[i] ?? [];
        result.addFigure(`${c.id}.p50`, c.subject, 'ask latency p50, 1 in flight', 'µs', l.map((x) => x.p50Us));
        result.addFigure(`${c.id}.p99`, c.subject, 'ask latency p99, 1 in flight', 'µs', l.map((x) => x.p99Us));
      });
      result.addRatio('runtime.guarded.vs.bare', 'runtime asks/s through the breaker middleware ÷ without it', 'runtime.guarded.rate', 'runtime.bare.rate', { op: '>=', value: 0.9 });
    } finally {
      for (const c of rts) await c.close();
    }
  } else result.skip('runtime', 'runtime contenders switched off (runtime: false)');

  // Scale: timers left armed by 1 000 destinations, each called once.
  const destinations = 1000;
  const many = breakerGroup();
  const shnTimers = await countArmedTimers(async () => {
    for (let i = 0; i < destinations; i++) await many.run(`node-${i}`, () => i);
  });
  many.close();
  const opossums: CircuitBreaker[] = [];
  const opossumTimers = await countArmedTimers(async () => {
    for (let i = 0; i < destinations; i++) {
      const o = new CircuitBreaker(answer, { timeout: false });
      opossums.push(o);
      await o.fire(ENV);
    }
  });
  for (const o of opossums) o.shutdown();
  result.note(`timers left armed by ${destinations} destinations, each called once: @shn/breaker group ${shnTimers}, opossum (one breaker each, timeout: false) ${opossumTimers}`);
  result.note('every call answers at once: the figures are the cost of the guard itself, not of a real ask (a cross-shard ask costs microseconds more)');
  result.note('opossum at its defaults arms a 10 s timeout timer on every call; @shn/breaker times out only with a timeout policy (the runtime already bounds every ask)');
  return result;
}

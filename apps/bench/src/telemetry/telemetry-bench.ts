import { ShnError } from '@shn/core';
import { repeatAlternating } from '../harness/measure.js';
import type { MeasureSpan } from '../harness/measure.js';
import { ResultBuilder } from '../harness/result-builder.js';
import { TELEMETRY_SETTINGS, TRACE_RATIO } from './telemetry-bench-system.js';
import { measureKvSettings } from './kv-telemetry-bench.js';
import { SettingProcess } from './setting-process.js';
import type { TelemetrySetting } from './telemetry-bench-system.js';

/** Options of {@link runTelemetryBench}. */
export interface TelemetryBenchOptions {
  /** Smoke mode: tiny counts, one repeat, no warm-up. */
  readonly quick: boolean;
  /** Kept repeats per figure (default 9; 1 in quick mode), spread over the setting's processes. */
  readonly repeats?: number | undefined;
  /**
   * Processes per setting (default 3; 1 in quick mode). Each process's JIT settles on its own
   * inlining of the tell path, and the rates of processes of one setting were up to 24% apart
   * (±11%) on a 2-core host: one process per setting would make each ratio one draw of that. The
   * rounds go through a setting's processes in turn, and the figure pools their results.
   */
  readonly processes?: number | undefined;
  /** Tells per one-way batch (default 50 000; 2 000 in quick mode). */
  readonly count?: number | undefined;
  readonly log?: (line: string) => void;
}

const SETTINGS = TELEMETRY_SETTINGS;
const LABEL: Readonly<Record<TelemetrySetting, string>> = {
  off: 'runtime, telemetry off',
  metrics: 'runtime, metrics on',
  tracing: `runtime, metrics + tracing at ${TRACE_RATIO * 100}% (roots: ${TRACE_RATIO})`,
  'tracing-sdk': `runtime, metrics + tracing at ${TRACE_RATIO * 100}% (SDK ratio sampler)`,
  'tracing-check': 'runtime, metrics + tracing that picks no root (roots: false)',
  'tracing-unrecorded': `runtime, metrics + tracing at ${TRACE_RATIO * 100}% (roots: ${TRACE_RATIO}) with an SDK that records nothing`,
};
/**
 * The telemetry overhead bench: one-shard runtimes alive side by side, three per setting (option
 * `processes`), each in a process of its own (setting-process.ts), identical but for their telemetry setting (off / metrics /
 * metrics + tracing at 1% by the middleware's `roots` head sampler / metrics + tracing at 1% by
 * the SDK's ratio sampler / the two that split the tracing cost, see telemetry-bench-system.ts),
 * measured in alternating rounds: runtime tell throughput (main thread → shard, the public
 * `tell`) and ask round-trip p50. Ratios against `off` in the same run, with goals: metrics costs at most 5%,
 * tracing at 1% at most 10%. The raw SPSC ring sits below the middleware layer, so telemetry
 * cannot change it (the mailbox bench measures it).
 *
 * shn-kv (HOOK(shn-kv), filled): three shn-kv processes, `--telemetry off|metrics|tracing`
 * (tracing at 1% of commands, OTLP to a local sink), redis-benchmark SET/GET `-P 16` in rotating
 * rounds; `kv.*` figures and ratios with the same goals (see kv-telemetry-bench.ts).
 */
export async function runTelemetryBench(options: TelemetryBenchOptions): Promise<ResultBuilder> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const quick = options.quick;
  const repeats = options.repeats ?? (quick ? 1 : 9);
  const processes = options.processes ?? (quick ? 1 : 3);
  if (!Number.isSafeInteger(processes) || processes < 1) throw new ShnError('INVALID_ARGUMENT', `processes must be a positive integer, got ${String(processes)}`);
  // One discarded round per process, so that each one is warm before it counts (shn-kv's rounds
  // below are discarded as many times).
  const warmups = quick ? 0 : processes;
  const batch = options.count ?? (quick ? 2_000 : 50_000);
  const span: MeasureSpan = quick ? { count: batch } : { durationMs: 1_000, batch };
  const roundTrips = quick ? 200 : 5_000;
  const result = new ResultBuilder('telemetry', quick, { repeats, warmups, processes, span, roundTrips, traceRatio: TRACE_RATIO, shards: 1 });
  const procs: SettingProcess[][] = [];
  try {
    for (const setting of SETTINGS) {
      const mine: SettingProcess[] = [];
      procs.push(mine);
      for (let k = 0; k < processes; k++) mine.push(await SettingProcess.start(setting));
    }
    // Each call measures the setting's next process: round r of a setting runs on its process r mod `processes`.
    const inTurn = <T>(measure: (p: SettingProcess) => Promise<T>) =>
      procs.map((mine) => {
        let next = 0;
        return () => measure(mine[next++ % mine.length] as SettingProcess);
      });
    log(`telemetry: tell throughput, alternating off / metrics / tracing (${processes} processes each)...`);
    const rates = await repeatAlternating({ warmups, repeats }, inTurn((p) => p.tell(span)));
    log('telemetry: ask round trips, alternating...');
    const lat = await repeatAlternating({ warmups, repeats }, inTurn((p) => p.ask(roundTrips)));
    SETTINGS.forEach((s, i) => {
      result.addFigure(`runtime.${s}.tell`, LABEL[s], 'one-way tell throughput', 'msg/s', rates[i] as number[]);
      result.addFigure(`runtime.${s}.ask.p50`, LABEL[s], 'ask round trip p50, 1 in flight', 'µs', (lat[i] ?? []).map((l) => l.p50Us));
    });
  } finally {
    await Promise.all(procs.flat().map((p) => p.close()));
  }
  result.addRatio('metrics.tell', 'metrics on / off, tell msg/s (cost at most 5%)', 'runtime.metrics.tell', 'runtime.off.tell', { op: '>=', value: 0.95 });
  result.addRatio('tracing.tell', `metrics + tracing ${TRACE_RATIO * 100}% / off, tell msg/s (cost at most 10%)`, 'runtime.tracing.tell', 'runtime.off.tell', { op: '>=', value: 0.9 });
  result.addRatio('tracing-sdk.tell', `metrics + tracing ${TRACE_RATIO * 100}% by the SDK sampler / off, tell msg/s`, 'runtime.tracing-sdk.tell', 'runtime.off.tell');
  // The split of the tracing cost, each against metrics alone (no goals): what every tell pays,
  // what the picked 1% pay without recording, and the whole.
  result.addRatio('split.check.tell', 'tracing that picks nothing / metrics, tell msg/s (the per-tell intercepts call and active-context lookup)', 'runtime.tracing-check.tell', 'runtime.metrics.tell');
  result.addRatio('split.unrecorded.tell', `tracing ${TRACE_RATIO * 100}%, spans not recorded / metrics, tell msg/s (adds ids, traceparent and the envelope path of the picked tells)`, 'runtime.tracing-unrecorded.tell', 'runtime.metrics.tell');
  result.addRatio('split.tracing.tell', `tracing ${TRACE_RATIO * 100}% / metrics, tell msg/s (adds recording the spans)`, 'runtime.tracing.tell', 'runtime.metrics.tell');
  result.addRatio('metrics.ask', 'metrics on / off, ask p50 (lower is better)', 'runtime.metrics.ask.p50', 'runtime.off.ask.p50');
  result.addRatio('tracing.ask', `metrics + tracing ${TRACE_RATIO * 100}% / off, ask p50 (lower is better)`, 'runtime.tracing.ask.p50', 'runtime.off.ask.p50');
  await measureKvSettings(result, { quick, repeats, warmups, log });
  result.note(`The six settings' runtimes (1 shard each) are alive together, ${processes} per setting, each in a process of its own (as an application runs one telemetry configuration), and measured in rotating order each round, so drifts of a shared machine hit every setting alike while no setting's hooks share the JIT's call sites with another's. A setting's rounds go through its processes in turn (after one discarded round each) and its figure pools them: the JIT of each process settles on its own inlining of the tell path, worth up to 24% between processes of one setting.`);
  result.note(`tracing (roots: ${TRACE_RATIO}): the middleware picks each tell sent outside a trace with probability ${TRACE_RATIO} (geometric gaps: one random draw per picked tell, a decrement per other); the picked ones start a recording root span (always-on SDK) and carry traceparent, the rest carry nothing. tracing-sdk (roots: 1, the default): every tell asks the SDK, whose ParentBased(TraceIdRatioBased(${TRACE_RATIO})) creates ids for every root and records ${TRACE_RATIO * 100}%; unsampled tells carry a flags-00 traceparent and the shard continues that context without a span. Spans go to processor-less providers: exporting is not measured.`);
  result.note('metrics (createTelemetry defaults, logs off): every message is counted; tells through the `sent` observer hook, so the sender keeps the runtime\'s envelope-free tell path; 1 received message in 16 per kind is timed (timeEvery default 16: two clock reads and one histogram observation per timed message). The scrape itself is not measured (it is one ask per shard per scrape).');
  result.note('tracing (roots: 0.01): the middleware\'s `intercepts` hook tells the runtime which tells need an envelope; the 99% the head sampler skips take the envelope-free path like metrics-only tells.');
  return result;
}

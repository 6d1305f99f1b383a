import { systemClock } from '@shn/core';
import { checkOperations, kvModel } from '@shn/sim';
import type { CheckResult, KvInput, KvState, Model, Operation } from '@shn/sim';
import { ResultBuilder } from '../harness/result-builder.js';
import { kvWorkloadHistory } from './kv-workload-history.js';

/** Options of {@link runLincheckBench}. */
export interface LincheckBenchOptions {
  /** Smoke mode: 1 000 operations, one repeat, a 2 s baseline budget. */
  readonly quick: boolean;
  /** Measured repeats (default 5; 1 in quick mode). */
  readonly repeats?: number | undefined;
  /** Operations in the history (default 10 000; 1 000 in quick mode). */
  readonly count?: number | undefined;
  /** Progress lines go here (default: stderr). */
  readonly log?: (line: string) => void;
}

const KEYS = 100;
const CLIENTS = 16;

/** The kv model without its partition hook: the whole history is searched as one object. */
const unpartitionedKv: Model<KvState, KvInput, unknown> = { init: kvModel.init, step: kvModel.step, equal: kvModel.equal, hash: kvModel.hash, describe: kvModel.describe };

function timed(check: () => CheckResult): { seconds: number; result: CheckResult } {
  const start = systemClock.monotonic();
  const result = check();
  return { seconds: (systemClock.monotonic() - start) / 1000, result };
}

/**
 * Checks a generated linearizable 10 000-operation, 100-key kv history (16 concurrent
 * clients, heavily overlapping operations) with `checkOperations(kvModel, ...)`, i.e. with
 * P-compositionality (one search per key), and reports seconds per check. Baseline in the same
 * run: the same history with partitioning switched off, under a time budget (30 s; 2 s in
 * quick mode); when the budget runs out the figure is the budget, a lower bound, and the
 * ratio a lower bound on what partitioning buys. Rejects if a check gives a wrong verdict.
 */
export async function runLincheckBench(options: LincheckBenchOptions): Promise<ResultBuilder> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const quick = options.quick;
  const repeats = options.repeats ?? (quick ? 1 : 5);
  const ops = options.count ?? (quick ? 1_000 : 10_000);
  const baselineBudgetMs = quick ? 2_000 : 30_000;
  const config = { operations: ops, keys: KEYS, clients: CLIENTS, repeats, warmups: 1, baselineBudgetMs, seed: 1 };
  const result = new ResultBuilder('lincheck', quick, config);
  const history: Operation<KvInput, unknown>[] = kvWorkloadHistory({ ops, keys: KEYS, clients: CLIENTS, seed: 1 });
  const maxOverlap = measureMaxConcurrency(history);
  result.note(`history: ${ops} operations, ${KEYS} keys, ${CLIENTS} clients, up to ${maxOverlap} operations in flight at once`);

  log(`lincheck: partitioned check of ${ops} operations...`);
  timed(() => checkOperations(kvModel, history)); // warm-up
  const partitioned: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const { seconds, result: r } = timed(() => checkOperations(kvModel, history));
    if (r.outcome !== 'ok') throw new Error(`partitioned check said ${r.outcome} on a linearizable history`);
    partitioned.push(seconds);
  }
  result.addFigure('partitioned', '@shn/sim checkOperations(kvModel) — per-key search', 'time to check', 's', partitioned);

  log(`lincheck: unpartitioned baseline (budget ${baselineBudgetMs} ms)...`);
  const baseline: number[] = [];
  let timedOut = 0;
  for (let i = 0; i < (quick ? 1 : Math.min(repeats, 3)); i++) {
    const { seconds, result: r } = timed(() => checkOperations(unpartitionedKv, history, { timeoutMs: baselineBudgetMs }));
    if (r.outcome === 'illegal') throw new Error('unpartitioned check said illegal on a linearizable history');
    if (r.outcome === 'unknown') timedOut++;
    baseline.push(r.outcome === 'unknown' ? baselineBudgetMs / 1000 : seconds);
  }
  const note = timedOut > 0 ? `> budget: ${timedOut} of ${baseline.length} runs hit the ${baselineBudgetMs / 1000} s budget (recorded as the budget, a lower bound)` : undefined;
  result.addFigure('unpartitioned', 'same search without P-compositionality (baseline)', 'time to check', 's', baseline, note);
  result.addRatio('speedup', `unpartitioned / partitioned time${timedOut > 0 ? ' (lower bound: baseline hit its budget)' : ''}`, 'unpartitioned', 'partitioned', { op: '>=', value: 1 });
  const median = result.figure('partitioned')?.median ?? Infinity;
  result.note(`goal: the partitioned check of the ${ops}-operation history takes under 3 s — ${median < 3 ? 'met' : 'NOT met'} (median ${median.toFixed(3)} s)`);
  if (timedOut > 0) result.note(`the unpartitioned baseline did not finish within ${baselineBudgetMs / 1000} s; its figure is the budget`);
  return result;
}

/** The largest number of operations whose [call, return] intervals overlap at one instant. */
function measureMaxConcurrency(ops: readonly Operation[]): number {
  const edges = ops.flatMap((o) => [
    [o.call, 1],
    [o.return, -1],
  ]) as [number, number][];
  edges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let cur = 0;
  let max = 0;
  for (const [, d] of edges) {
    cur += d;
    max = Math.max(max, cur);
  }
  return max;
}

import { ShnError } from '@shn/core';
import type { Registry } from 'prom-client';
import { DEFAULT_SECONDS_BUCKETS } from './buckets.js';
import { HotCounter } from './hot-counter.js';
import type { CounterCell } from './hot-counter.js';
import { HotHistogram } from './hot-histogram.js';
import type { HistogramCell } from './hot-histogram.js';
import { checkMetricName } from './metric-names.js';

/** Options of {@link createCommandMetrics}. */
export interface CommandMetricsOptions {
  /** The registry of this thread. */
  readonly registry: Registry;
  /** Metric name prefix, e.g. `shn_kv` → `shn_kv_commands_total` (must be a valid metric name). */
  readonly prefix: string;
  /** Histogram upper bounds in seconds (default {@link DEFAULT_SECONDS_BUCKETS}). */
  readonly buckets?: readonly number[];
  /** Distinct command names labelled before the rest count as `other` (default 256). */
  readonly maxCommands?: number;
}

/** Per-command counters and latency: the `INFO commandstats` of a server, as Prometheus metrics. */
export interface CommandMetrics {
  /**
   * Records one command: its name (lower-cased for the label), its latency in seconds, and whether it failed.
   * Never throws; a non-finite or negative latency is counted but not observed.
   */
  record(command: string, seconds: number, failed?: boolean): void;
}

interface CommandCells {
  readonly calls: CounterCell;
  readonly errors: CounterCell;
  readonly latency: HistogramCell;
}

/**
 * Registers `<prefix>_commands_total{command}`, `<prefix>_command_errors_total{command}` and
 * `<prefix>_command_duration_seconds{command}` in `registry` and returns a recorder whose cost
 * per call is a map lookup (cached for repeats of the same name) and three additions.
 * @throws ShnError `INVALID_ARGUMENT` for a bad prefix, bucket list or limit, or names already registered.
 */
export function createCommandMetrics(options: CommandMetricsOptions): CommandMetrics {
  if (typeof options !== 'object' || options === null || typeof options.registry?.registerMetric !== 'function') {
    throw new ShnError('INVALID_ARGUMENT', 'command metrics need { registry, prefix }');
  }
  const prefix = checkMetricName(options.prefix, 'command metrics prefix');
  const maxCommands = options.maxCommands ?? 256;
  if (!Number.isInteger(maxCommands) || maxCommands < 1 || maxCommands > 10_000) {
    throw new ShnError('INVALID_ARGUMENT', `command metrics: maxCommands must be an integer in [1, 10000], got ${String(maxCommands)}`);
  }
  const { registry } = options;
  for (const n of [`${prefix}_commands_total`, `${prefix}_command_errors_total`, `${prefix}_command_duration_seconds`]) {
    if (registry.getSingleMetric(n) !== undefined) throw new ShnError('INVALID_ARGUMENT', `command metrics: ${n} is already registered`);
  }
  const calls = new HotCounter(registry, `${prefix}_commands_total`, 'Commands handled, by command name.', ['command'], maxCommands + 1);
  const errors = new HotCounter(registry, `${prefix}_command_errors_total`, 'Commands that failed, by command name.', ['command'], maxCommands + 1);
  const latency = new HotHistogram(
    registry,
    `${prefix}_command_duration_seconds`,
    'Command latency from parse to reply, seconds.',
    ['command'],
    options.buckets ?? DEFAULT_SECONDS_BUCKETS,
    maxCommands + 1,
  );
  const byName = new Map<string, CommandCells>();
  let lastName = '';
  let last: CommandCells | undefined;

  const cellsOf = (command: string): CommandCells => {
    if (command === lastName && last !== undefined) return last;
    let c = byName.get(command);
    if (c === undefined) {
      const label = byName.size >= maxCommands ? 'other' : String(command).toLowerCase();
      c = { calls: calls.cell(label), errors: errors.cell(label), latency: latency.cell(label) };
      if (byName.size < maxCommands) byName.set(command, c);
    }
    lastName = command;
    last = c;
    return c;
  };

  return {
    record(command: string, seconds: number, failed = false): void {
      const c = cellsOf(typeof command === 'string' ? command : String(command));
      c.calls.value++;
      if (failed) c.errors.value++;
      if (Number.isFinite(seconds) && seconds >= 0) c.latency.observe(seconds);
    },
  };
}

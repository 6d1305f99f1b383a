import { ShnError, systemClock } from '@shn/core';
import type { ActorKindDefinition, Clock, LoggerFactory, Middleware } from '@shn/core';
import { Registry } from 'prom-client';
import { createCommandMetrics } from './command-metrics.js';
import type { CommandMetrics, CommandMetricsOptions } from './command-metrics.js';
import { MessageScope, createMessageScopeMiddleware } from './message-scope.js';
import { createMetricsMiddleware } from './message-metrics.js';
import type { MessageMetricsOptions } from './message-metrics.js';
import { createPinoLoggerFactory } from './pino-logger.js';
import type { PinoLoggerOptions } from './pino-logger.js';
import { PROFILER_KIND, TELEMETRY_KIND, telemetryKinds } from './telemetry-kinds.js';
import { createTracingMiddleware } from './tracing-middleware.js';
import type { TracingOptions } from './tracing-middleware.js';

/** Options of {@link createTelemetry}. */
export interface TelemetryOptions {
  /** Message metrics (default on); `false` turns them off, an object tunes them. */
  readonly metrics?: boolean | Omit<MessageMetricsOptions, 'registry' | 'clock'>;
  /** Tracing middleware (default off); `true` uses the global OpenTelemetry provider. */
  readonly tracing?: boolean | TracingOptions;
  /** The pino logger slot (default on); `false` leaves the runtime's default logger. */
  readonly logs?: boolean | Omit<PinoLoggerOptions, 'scope' | 'clock'>;
  /** This thread's registry (default a fresh one). */
  readonly registry?: Registry;
  readonly clock?: Clock;
}

/** What one thread's telemetry contributes to its system definition, and its registry. */
export interface Telemetry {
  /** This thread's metrics registry (shards' registries are merged on the main thread's scrape). */
  readonly registry: Registry;
  /** Spread first into the system definition's `middleware` (outermost: they see every message). */
  readonly middleware: readonly Middleware[];
  /** Spread into the system definition's `kinds`: `shn.telemetry` and `shn.telemetry.profiler` (per-shard). */
  readonly kinds: Readonly<Record<string, ActorKindDefinition>>;
  /** The system definition's `logger` slot (pino), or undefined when `logs: false`. */
  readonly logger: LoggerFactory | undefined;
  /** Per-command metrics in this thread's registry (`INFO commandstats`); see {@link createCommandMetrics}. */
  commandMetrics(options: Omit<CommandMetricsOptions, 'registry'>): CommandMetrics;
}

function section<T extends object>(value: boolean | T | undefined, dflt: boolean, what: string): T | undefined {
  if (value === undefined) return dflt ? ({} as T) : undefined;
  if (value === false) return undefined;
  if (value === true) return {} as T;
  if (typeof value !== 'object' || value === null) {
    throw new ShnError('INVALID_ARGUMENT', `telemetry option ${what} must be a boolean or an object, got ${String(value)}`);
  }
  return value;
}

/**
 * One thread's telemetry, for a system module: call it once per thread (at module scope of the
 * system module, or inside its `defineSystem((params) => …)` factory) and compose the result:
 *
 * ```ts
 * const t = createTelemetry({ tracing: true });
 * export default defineSystem({ kinds: { ...myKinds, ...t.kinds }, middleware: [...t.middleware], logger: t.logger });
 * ```
 *
 * @throws ShnError `INVALID_ARGUMENT` for any bad option (checked now, not on the first message).
 */
export function createTelemetry(options: TelemetryOptions = {}): Telemetry {
  if (typeof options !== 'object' || options === null) throw new ShnError('INVALID_ARGUMENT', 'telemetry options must be an object');
  const registry = options.registry ?? new Registry();
  if (typeof registry.registerMetric !== 'function') throw new ShnError('INVALID_ARGUMENT', 'telemetry registry must be a prom-client Registry');
  const clock = options.clock ?? systemClock;
  const metrics = section(options.metrics, true, 'metrics');
  const tracing = section(options.tracing, false, 'tracing');
  const logs = section(options.logs, true, 'logs');
  const scope = new MessageScope();
  const middleware: Middleware[] = [];
  if (logs !== undefined) middleware.push(createMessageScopeMiddleware(scope));
  if (metrics !== undefined) middleware.push(createMetricsMiddleware({ ...metrics, registry, clock }));
  if (tracing !== undefined) middleware.push(createTracingMiddleware(tracing));
  const logger = logs === undefined ? undefined : createPinoLoggerFactory({ ...logs, scope, clock });
  return {
    registry,
    middleware: Object.freeze(middleware),
    kinds: Object.freeze(telemetryKinds(registry)),
    logger,
    commandMetrics: (o) => createCommandMetrics({ ...o, registry }),
  };
}

export { PROFILER_KIND, TELEMETRY_KIND };

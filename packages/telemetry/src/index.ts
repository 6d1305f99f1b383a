/**
 * @packageDocumentation
 * `@shn/telemetry`: OpenTelemetry tracing across shards (core middleware on `@opentelemetry/api`),
 * Prometheus metrics with prom-client (one registry per shard, merged on the main thread's
 * scrape), pino logs through core's logger slot, Kubernetes health probes and on-demand CPU and
 * heap profiles of any shard, behind one admin HTTP handler.
 */
export { createTelemetry, TELEMETRY_KIND, PROFILER_KIND } from './telemetry.js';
export type { Telemetry, TelemetryOptions } from './telemetry.js';
export { createTracingMiddleware, TRACER_NAME } from './tracing-middleware.js';
export type { TracingOptions } from './tracing-middleware.js';
export { SEMCONV, MESSAGING_SYSTEM } from './semconv.js';
export { parseTraceparent, formatTraceparent } from './trace-context.js';
export type { TraceParent } from './trace-context.js';
export { createMetricsMiddleware, MESSAGE_METRICS, DEFAULT_TIME_EVERY } from './message-metrics.js';
export type { MessageMetricsOptions } from './message-metrics.js';
export { createCommandMetrics } from './command-metrics.js';
export type { CommandMetrics, CommandMetricsOptions } from './command-metrics.js';
export { registerRuntimeMetrics, RUNTIME_METRICS } from './runtime-metrics.js';
export { HotCounter, CounterCell } from './hot-counter.js';
export { HotHistogram, HistogramCell } from './hot-histogram.js';
export { DEFAULT_SECONDS_BUCKETS } from './buckets.js';
export { OVERFLOW_LABEL } from './cell-table.js';
export type { MetricSnapshot, MetricSample } from './metric-snapshot.js';
export { mergeThreadMetrics, renderPrometheus, PROMETHEUS_CONTENT_TYPE } from './metrics-merge.js';
export type { ThreadMetrics } from './metrics-merge.js';
export { createScraper } from './scraper.js';
export type { Scraper, ScraperOptions, ShardScrape } from './scraper.js';
export { createPinoLoggerFactory, adaptPino, DEFAULT_REDACT_PATHS, LOG_LEVEL_ENV } from './pino-logger.js';
export type { PinoLoggerOptions } from './pino-logger.js';
export { MessageScope, createMessageScopeMiddleware } from './message-scope.js';
export { createHealthProbes } from './health.js';
export type { HealthOptions, HealthProbes, ProbeResult, ShardHealth } from './health.js';
export { recordCpuProfile, writeThreadHeapSnapshot, MAX_PROFILE_SECONDS } from './profiler.js';
export { telemetryKinds, TELEMETRY_MESSAGES } from './telemetry-kinds.js';
export { createAdminHandler } from './admin-handler.js';
export type { AdminHandler, AdminOptions } from './admin-handler.js';
export type { TelemetryRuntime } from './telemetry-runtime.js';
export { HeaderedEnvelope } from './headered-envelope.js';
export { actorKindOf } from './actor-kind-of.js';
export { telemetryRuntimeOf } from './telemetry-runtime-of.js';
export type { RuntimeLike } from './telemetry-runtime-of.js';
export { createRequestTracer } from './request-tracer.js';
export type { RequestTracer, RequestTracerOptions } from './request-tracer.js';

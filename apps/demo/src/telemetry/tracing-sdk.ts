/**
 * Installs an OpenTelemetry SDK in this thread (each shard thread is its own isolate and needs
 * its own): an AsyncLocalStorage context manager and a tracer provider exporting to OTLP/HTTP or
 * the console. shn-kv only does this with `--telemetry tracing`.
 */
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ShnError } from '@shn/core';

const KEY = Symbol.for('shn-kv.tracing-sdk');

/**
 * `spec`: `otlp:<url>` (OTLP/HTTP JSON to that traces URL, batched every 200 ms), `console`
 * (one JSON object per span on stdout), or `none` (install nothing: the application registered
 * its own SDK). Idempotent per thread; an SDK already registered globally is kept.
 * @throws ShnError `INVALID_ARGUMENT` for another spec.
 */
export function installTracingSdk(spec: string): void {
  const g = globalThis as Record<symbol, unknown>;
  if (spec === 'none' || g[KEY] === true) return;
  let processor;
  if (spec === 'console') processor = new SimpleSpanProcessor(new ConsoleSpanExporter());
  else if (spec.startsWith('otlp:') && /^https?:\/\//.test(spec.slice(5))) {
    processor = new BatchSpanProcessor(new OTLPTraceExporter({ url: spec.slice(5) }), { scheduledDelayMillis: 200 });
  } else throw new ShnError('INVALID_ARGUMENT', `trace exporter must be otlp:<http url>, console or none, got ${JSON.stringify(spec)}`);
  g[KEY] = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [processor] }));
}

/**
 * The trace URL that the standard `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` / `OTEL_EXPORTER_OTLP_ENDPOINT`
 * name (the latter gets `/v1/traces` appended), or undefined.
 */
export function otlpTracesUrl(env: NodeJS.ProcessEnv): string | undefined {
  const traces = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'];
  if (traces !== undefined && traces !== '') return traces;
  const base = env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  if (base === undefined || base === '') return undefined;
  return `${base.replace(/\/+$/, '')}/v1/traces`;
}

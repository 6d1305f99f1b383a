import { SpanKind, context, trace } from '@opentelemetry/api';
import type { Attributes, TracerProvider } from '@opentelemetry/api';
import { ShnError, systemRng } from '@shn/core';
import type { Rng } from '@shn/core';
import { HeadSampler } from './head-sampler.js';
import { runInSpan } from './span-util.js';
import { TRACER_NAME } from './tracing-middleware.js';

/** Options of {@link createRequestTracer}. */
export interface RequestTracerOptions {
  /** Where spans go; default the global provider of `@opentelemetry/api`. */
  readonly tracerProvider?: TracerProvider;
  /** Fraction of requests that start a trace, in [0, 1] (default 1: the SDK's sampler decides alone). */
  readonly ratio?: number;
  readonly rng?: Rng;
}

/** Runs request handlers inside a SERVER span, the root of the trace the middleware continues into the shards. */
export interface RequestTracer {
  /**
   * Runs `fn` inside a new active SERVER span named `name` for the `ratio` of requests picked
   * (each independently, drawn as geometric gaps); the rest run untraced, at the cost of a
   * decrement. The span ends when `fn` returns or its promise settles; a throw or rejection is
   * recorded on it and passed on unchanged. Returns what `fn` returns.
   */
  run<T>(name: string, attributes: Attributes | undefined, fn: () => T): T;
  /**
   * One sampler step on its own: whether the next request is to be traced. `run(name, a, fn)` is
   * `pick() ? trace(name, a, fn) : fn()`; a hot server that wants no closure for the requests it
   * does not trace asks `pick()` first and calls `trace` only for the picked ones.
   */
  pick(): boolean;
  /**
   * Runs `fn` inside a new active SERVER span named `name`, without a sampler step (the SDK's own
   * sampler still applies). Ends and records like `run`.
   */
  trace<T>(name: string, attributes: Attributes | undefined, fn: () => T): T;
}

/**
 * The entry point of a trace: what a server (a RESP connection, an HTTP route) wraps each request
 * in, so that the PRODUCER spans of the asks it makes, and the CONSUMER spans on the shards, hang
 * under one SERVER span. `ratio` below 1 is a head sampler in front of the SDK's (one random
 * draw per picked request).
 * @throws ShnError `INVALID_ARGUMENT` for a ratio outside [0, 1] or a bad provider or rng.
 */
export function createRequestTracer(options: RequestTracerOptions = {}): RequestTracer {
  const { tracerProvider, ratio = 1, rng = systemRng } = options;
  if (!(typeof ratio === 'number' && ratio >= 0 && ratio <= 1)) throw new ShnError('INVALID_ARGUMENT', `request tracer ratio must be in [0, 1], got ${String(ratio)}`);
  if (tracerProvider !== undefined && typeof tracerProvider?.getTracer !== 'function') throw new ShnError('INVALID_ARGUMENT', 'request tracer: tracerProvider must have getTracer()');
  if (typeof rng?.next !== 'function') throw new ShnError('INVALID_ARGUMENT', 'request tracer: rng must have next()');
  const tracer = (tracerProvider ?? trace).getTracer(TRACER_NAME);
  const sampler = new HeadSampler(ratio, rng);
  const traced = <T>(name: string, attributes: Attributes | undefined, fn: () => T): T => {
    const span = tracer.startSpan(name, attributes === undefined ? { kind: SpanKind.SERVER } : { kind: SpanKind.SERVER, attributes });
    return runInSpan(span, trace.setSpan(context.active(), span), fn, undefined);
  };
  return {
    run<T>(name: string, attributes: Attributes | undefined, fn: () => T): T {
      return sampler.take() ? traced(name, attributes, fn) : fn();
    },
    pick: () => sampler.take(),
    trace: traced,
  };
}

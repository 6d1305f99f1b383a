/**
 * shn-kv's telemetry, one instance per thread: @shn/telemetry (metrics middleware, tracing
 * middleware, the `shn.telemetry` kinds), per-command `shn_kv_*` metrics for the command
 * executor, and the request tracer that roots a RESP command's trace.
 *
 * The state lives on `globalThis` under a `Symbol.for` key, so the system module loaded from
 * `dist/` and the server code loaded from sources (vitest) see the same instance in a thread.
 */
import { ROOT_CONTEXT, context, trace, type Context } from '@opentelemetry/api';
import { ShnError, systemClock, type ActorKindDefinition, type Middleware } from '@shn/core';
import { createRequestTracer, createTelemetry, type CommandMetrics, type RequestTracer, type Telemetry } from '@shn/telemetry';
import type { Reply } from '../resp/reply.js';
import { isErrorReply } from '../resp/reply.js';
import type { TraceScope } from '../server/runtime-backend.js';
import { installTracingSdk } from './tracing-sdk.js';

/** `--telemetry`: what runs. `off` adds no middleware and no per-command work at all. */
export type TelemetryMode = 'off' | 'metrics' | 'tracing';

/** The telemetry part of the system module's params (structured-cloneable). */
export interface KvTelemetryParams {
  /** Default `metrics`. */
  readonly telemetry?: TelemetryMode;
  /**
   * Where spans go with `tracing`: `otlp:<url>` (OTLP/HTTP, the standard exporter), `console`,
   * or `none` (no SDK is installed by shn-kv: the embedding application registers its own).
   */
  readonly traceExporter?: string;
  /** Fraction of RESP commands that start a trace (default 1), in [0, 1]. */
  readonly traceRatio?: number;
}

/**
 * Times one command and, with tracing, runs it inside its SERVER span. `timing` lets the
 * executor time commands itself (no wrapper, no extra promise per command); with tracing,
 * `traceNext` picks the commands (1 in 100 at `--trace-ratio 0.01`) that `run` wraps in a span,
 * so the others cost what they cost with metrics alone, plus a decrement.
 */
export interface CommandInstrument {
  run(name: string, exec: () => Reply | Promise<Reply>): Reply | Promise<Reply>;
  readonly timing?: { now(): number; record(name: string, startedAt: number, reply: Reply): void } | undefined;
  /** With tracing: one head-sampler step per command; the picked ones run inside `run` (their SERVER span). */
  readonly traceNext?: (() => boolean) | undefined;
}

/** This thread's telemetry (undefined when `off`). */
export interface KvTelemetry {
  readonly mode: Exclude<TelemetryMode, 'off'>;
  readonly telemetry: Telemetry;
  readonly commands: CommandMetrics;
  readonly tracer: RequestTracer | undefined;
  readonly instrument: CommandInstrument;
  /** With tracing: keeps each traced command's context across the backend's batching. */
  readonly traceScope: TraceScope | undefined;
}

/**
 * The backend's trace scope: a request made inside a recording span (a traced command) keeps
 * that context; batches are sent inside their request's context, or outside any trace.
 */
const TRACE_SCOPE: TraceScope = {
  capture: () => {
    const ctx = context.active();
    return trace.getSpan(ctx)?.isRecording() === true ? ctx : undefined;
  },
  run: (ctx, send) => context.with((ctx as Context | undefined) ?? ROOT_CONTEXT, send),
};

const KEY = Symbol.for('shn-kv.telemetry');
type Slot = { value: KvTelemetry | undefined };
const slot = ((globalThis as Record<symbol, unknown>)[KEY] ??= { value: undefined }) as Slot;

/**
 * Validates the mode.
 * @throws ShnError `INVALID_ARGUMENT` for anything but off, metrics, tracing.
 */
export function telemetryModeOf(raw: unknown): TelemetryMode {
  if (raw === undefined) return 'metrics';
  if (raw === 'off' || raw === 'metrics' || raw === 'tracing') return raw;
  throw new ShnError('INVALID_ARGUMENT', `--telemetry must be off, metrics or tracing, got ${JSON.stringify(raw)}`);
}

/**
 * Creates this thread's telemetry with a fresh registry and makes it current (the system module
 * calls it once per thread start; on the main thread once per runtime, i.e. per `startServer`).
 * @throws ShnError `INVALID_ARGUMENT` for bad params.
 */
export function configureKvTelemetry(params: KvTelemetryParams | undefined): KvTelemetry | undefined {
  const mode = telemetryModeOf(params?.telemetry);
  const ratio = params?.traceRatio ?? 1;
  if (!(typeof ratio === 'number' && ratio >= 0 && ratio <= 1)) throw new ShnError('INVALID_ARGUMENT', `traceRatio must be in [0, 1], got ${String(ratio)}`);
  if (mode === 'off') return (slot.value = undefined);
  if (mode === 'tracing') installTracingSdk(params?.traceExporter ?? 'none');
  // Traces start at RESP commands only (the request tracer, at `traceRatio`); the middleware
  // continues them into the shards and starts none of its own (`roots: false`), so the backend's
  // batches of untraced commands are never traced.
  const telemetry = createTelemetry({ metrics: true, tracing: mode === 'tracing' ? { roots: false } : false, logs: false });
  const commands = telemetry.commandMetrics({ prefix: 'shn_kv' });
  const tracer = mode === 'tracing' ? createRequestTracer({ ratio }) : undefined;
  const clock = systemClock;
  // A command's span name and attributes, made once per command name (a bounded cache: names
  // are client input), so that the 99% of commands the tracer skips allocate no strings.
  const spanInfo = new Map<string, { name: string; attributes: Record<string, string> }>();
  const infoOf = (name: string): { name: string; attributes: Record<string, string> } => {
    let info = spanInfo.get(name);
    if (info === undefined) {
      const upper = name.toUpperCase();
      info = { name: upper, attributes: Object.freeze({ 'db.system.name': 'redis', 'db.operation.name': upper }) };
      if (spanInfo.size < 1024) spanInfo.set(name, info);
    }
    return info;
  };
  const timing = {
    now: () => clock.monotonic(),
    record: (name: string, startedAt: number, reply: Reply) => commands.record(name, (clock.monotonic() - startedAt) / 1000, isErrorReply(reply)),
  };
  // Metrics only: `run` times the command, for a caller that does not use `timing` (the
  // executor does, so it never calls this one).
  const timed = (name: string, exec: () => Reply | Promise<Reply>): Reply | Promise<Reply> => {
    const t0 = timing.now();
    const out = exec();
    if (out instanceof Promise) {
      return out.then((r) => {
        timing.record(name, t0, r);
        return r;
      });
    }
    timing.record(name, t0, out);
    return out;
  };
  const instrument: CommandInstrument =
    tracer === undefined
      ? { run: timed, timing }
      : {
          // The executor times every command through `timing` and asks `traceNext` once per
          // command; `run` then only opens the span of a picked one (its timing is the executor's).
          run: (name, exec) => {
            const info = infoOf(name);
            return tracer.trace(info.name, info.attributes, exec);
          },
          timing,
          traceNext: () => tracer.pick(),
        };
  return (slot.value = { mode, telemetry, commands, tracer, instrument, traceScope: tracer === undefined ? undefined : TRACE_SCOPE });
}

/** This thread's telemetry, if configured and not off. */
export function kvTelemetry(): KvTelemetry | undefined {
  return slot.value;
}

/**
 * The system-definition contributions: telemetry middleware (spread first: outermost) and the
 * `shn.telemetry` kinds. With `off` there is no middleware at all; the kinds stay (they cost
 * nothing per message), so readiness pings and profiles still work.
 */
export function telemetryDefinition(t: KvTelemetry | undefined): { middleware: readonly Middleware[]; kinds: Readonly<Record<string, ActorKindDefinition>> } {
  if (t === undefined) return { middleware: [], kinds: createTelemetry({ metrics: false, logs: false }).kinds };
  return { middleware: t.telemetry.middleware, kinds: t.telemetry.kinds };
}

import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, context, createTraceState, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span, SpanContext, Tracer, TracerProvider } from '@opentelemetry/api';
import { HEADERS, ShnError, isShnError, isThenable } from '@shn/core';
import type { Envelope, Headers, Middleware, Next } from '@shn/core';
import { KindCache } from './actor-kind-of.js';
import { HeaderedEnvelope } from './headered-envelope.js';
import { MESSAGING_SYSTEM, SEMCONV } from './semconv.js';
import { formatTrustedTraceparent, parseTraceparent } from './trace-context.js';

/** The instrumentation scope name of every shn span. */
export const TRACER_NAME = '@shn/telemetry';

/** Options of {@link createTracingMiddleware}. */
export interface TracingOptions {
  /** Where spans go; default the global provider of `@opentelemetry/api` (whatever SDK the application registered, or none). */
  readonly tracerProvider?: TracerProvider;
  /**
   * Start a root PRODUCER span for a message sent outside any trace (default `true`; the SDK's
   * sampler then decides). `false` only continues traces that are already active or arrive in headers.
   */
  readonly roots?: boolean;
  /** Kinds never traced (default `['shn.telemetry']`, the scrape/profile kind). */
  readonly ignoreKinds?: readonly string[];
  /** How many messages an envelope carries (for `messaging.batch.message_count`); default none. */
  readonly batchCount?: (env: Envelope) => number | undefined;
}

function fail(what: string, value: unknown): ShnError {
  return new ShnError('INVALID_ARGUMENT', `tracing options: ${what}, got ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
}

function recordError(span: Span, error: unknown): void {
  if (!span.isRecording()) return;
  const e = error instanceof Error ? error : new Error(String(error));
  span.recordException(e);
  span.setAttribute(SEMCONV.errorType, isShnError(error) ? error.code : e.name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: e.message });
}

function withTrace(env: Envelope, sc: SpanContext): Envelope {
  const headers: Headers = { ...env.headers, [HEADERS.traceparent]: formatTrustedTraceparent(sc.traceId, sc.spanId, sc.traceFlags) };
  const state = sc.traceState?.serialize();
  if (state !== undefined && state.length > 0) headers[HEADERS.tracestate] = state;
  else delete headers[HEADERS.tracestate];
  return new HeaderedEnvelope(env, headers);
}

function remoteParent(env: Envelope): SpanContext | undefined {
  const p = parseTraceparent(env.headers[HEADERS.traceparent]);
  if (p === undefined) return undefined;
  const state = env.headers[HEADERS.tracestate];
  return {
    traceId: p.traceId,
    spanId: p.spanId,
    traceFlags: p.traceFlags,
    isRemote: true,
    ...(state === undefined ? {} : { traceState: createTraceState(state) }),
  };
}

/**
 * Tracing as core middleware, on `@opentelemetry/api` only (the SDK is the application's choice).
 *
 * - `send` (tell) and `ask` start a PRODUCER span named `send <kind>` / `ask <kind>`, child of the
 *   active span, and write W3C `traceparent`/`tracestate` into the envelope's headers. An ask's
 *   span lasts until its reply (or error) arrives: the reply is linked to its request by the
 *   span and by `messaging.message.conversation_id` on both sides.
 * - `receive` starts a CONSUMER span `process <kind>` whose parent is the header's span context,
 *   and makes it active while the actor runs, so the actor's own sends continue the trace.
 * - Errors (a throw, a rejected ask, a refused tell) are recorded on the span with `error.type`.
 * - Sampling: an unsampled parent (from the header or the active context) is propagated as a
 *   header only, with no span created; the only per-message cost is that header.
 *
 * Use it in every thread (it is part of the system definition's `middleware`).
 * @throws ShnError `INVALID_ARGUMENT` for a bad option.
 */
export function createTracingMiddleware(options: TracingOptions = {}): Middleware {
  if (typeof options !== 'object' || options === null) throw fail('must be an object', options);
  const { tracerProvider, roots = true, ignoreKinds = ['shn.telemetry'], batchCount } = options;
  if (tracerProvider !== undefined && typeof tracerProvider?.getTracer !== 'function') throw fail('tracerProvider must have getTracer()', typeof tracerProvider);
  if (typeof roots !== 'boolean') throw fail('roots must be a boolean', roots);
  if (!Array.isArray(ignoreKinds) || ignoreKinds.some((k) => typeof k !== 'string')) throw fail('ignoreKinds must be an array of kind names', ignoreKinds);
  if (batchCount !== undefined && typeof batchCount !== 'function') throw fail('batchCount must be a function', typeof batchCount);
  const tracer: Tracer = (tracerProvider ?? trace).getTracer(TRACER_NAME);
  const ignored = new Set(ignoreKinds);
  const kinds = new KindCache();

  const annotate = (span: Span, env: Envelope): void => {
    span.setAttribute(SEMCONV.partitionId, String(env.to.shard));
    span.setAttribute(SEMCONV.actor, env.to.actor);
    span.setAttribute(SEMCONV.messageType, env.type);
    span.setAttribute(SEMCONV.messageId, env.id);
    if (env.correlationId !== undefined) span.setAttribute(SEMCONV.conversationId, env.correlationId);
    const n = batchCount?.(env);
    if (n !== undefined && Number.isInteger(n) && n > 1) span.setAttribute(SEMCONV.batchCount, n);
  };

  /** Starts a producer span for `env`, or returns the unsampled parent's context to propagate as is. */
  const produce = (env: Envelope, kind: string, operation: 'send' | 'ask'): Span | SpanContext | undefined => {
    const active = context.active();
    const parent = trace.getSpan(active)?.spanContext();
    if (parent !== undefined && (parent.traceFlags & TraceFlags.SAMPLED) === 0 && trace.isSpanContextValid(parent)) return parent;
    if (parent === undefined && !roots) return undefined;
    const attributes: Attributes = {
      [SEMCONV.system]: MESSAGING_SYSTEM,
      [SEMCONV.operationName]: operation,
      [SEMCONV.operationType]: 'send',
      [SEMCONV.destinationName]: kind,
    };
    const span = tracer.startSpan(`${operation} ${kind}`, { kind: SpanKind.PRODUCER, attributes }, active);
    if (span.isRecording()) annotate(span, env);
    else if (!trace.isSpanContextValid(span.spanContext())) return undefined; // no SDK registered: nothing to propagate
    return span;
  };

  const isSpan = (x: Span | SpanContext): x is Span => typeof (x as Span).spanContext === 'function';

  return {
    name: 'shn.telemetry.tracing',

    send(env: Envelope, next: Next<'accepted' | 'full' | 'closed'>): 'accepted' | 'full' | 'closed' {
      const kind = kinds.of(env.to.actor);
      if (ignored.has(kind)) return next(env);
      const made = produce(env, kind, 'send');
      if (made === undefined) return next(env);
      if (!isSpan(made)) return next(withTrace(env, made));
      try {
        const r = next(withTrace(env, made.spanContext()));
        if (r !== 'accepted' && made.isRecording()) {
          made.setAttribute(SEMCONV.errorType, r === 'full' ? 'MAILBOX_FULL' : 'RUNTIME_CLOSED');
          made.setStatus({ code: SpanStatusCode.ERROR, message: `tell refused: ${r}` });
        }
        return r;
      } catch (e) {
        recordError(made, e);
        throw e;
      } finally {
        made.end();
      }
    },

    ask(env: Envelope, next: Next<Promise<unknown>>): Promise<unknown> {
      const kind = kinds.of(env.to.actor);
      if (ignored.has(kind)) return next(env);
      const made = produce(env, kind, 'ask');
      if (made === undefined) return next(env);
      if (!isSpan(made)) return next(withTrace(env, made));
      let p: Promise<unknown>;
      try {
        p = next(withTrace(env, made.spanContext()));
      } catch (e) {
        recordError(made, e);
        made.end();
        throw e;
      }
      if (!made.isRecording()) return p;
      return p.then(
        (value) => {
          made.addEvent('shn.reply', { outcome: 'ok' });
          made.end();
          return value;
        },
        (error: unknown) => {
          made.addEvent('shn.reply', { outcome: 'error' });
          recordError(made, error);
          made.end();
          throw error;
        },
      );
    },

    receive(env: Envelope, next: Next<unknown>): unknown {
      const kind = kinds.of(env.to.actor);
      if (ignored.has(kind)) return next(env);
      const remote = remoteParent(env);
      let parent: Context = ROOT_CONTEXT;
      if (remote !== undefined) {
        parent = trace.setSpanContext(ROOT_CONTEXT, remote);
        // Unsampled upstream: no span, only the context, so that the actor's sends propagate the decision.
        if ((remote.traceFlags & TraceFlags.SAMPLED) === 0) return context.with(parent, next, undefined, env);
      } else if (!roots) {
        return next(env);
      }
      const attributes: Attributes = {
        [SEMCONV.system]: MESSAGING_SYSTEM,
        [SEMCONV.operationName]: 'process',
        [SEMCONV.operationType]: 'process',
        [SEMCONV.destinationName]: kind,
      };
      const span = tracer.startSpan(`process ${kind}`, { kind: SpanKind.CONSUMER, attributes }, parent);
      if (span.isRecording()) annotate(span, env);
      let result: unknown;
      try {
        result = context.with(trace.setSpan(parent, span), next, undefined, env);
      } catch (e) {
        recordError(span, e);
        span.end();
        throw e;
      }
      if (isThenable(result)) {
        (result as PromiseLike<unknown>).then(
          () => span.end(),
          (e: unknown) => {
            recordError(span, e);
            span.end();
          },
        );
      } else {
        span.end();
      }
      return result;
    },
  };
}

import { INVALID_TRACEID, ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, context, createTraceState, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span, SpanContext, Tracer, TracerProvider } from '@opentelemetry/api';
import { HEADERS, ShnError, systemRng } from '@shn/core';
import type { Envelope, Headers, Middleware, Next, ReceiveHook, Rng } from '@shn/core';
import { KindCache, actorKindOf } from './actor-kind-of.js';
import { HeadSampler } from './head-sampler.js';
import { HeaderedEnvelope } from './headered-envelope.js';
import { MESSAGING_SYSTEM, SEMCONV } from './semconv.js';
import { recordError, runInSpan } from './span-util.js';
import { formatTrustedTraceparent, parseTraceparent } from './trace-context.js';

if (HEADERS.traceparent !== 'traceparent') throw new ShnError('INTERNAL', 'core HEADERS.traceparent is not "traceparent"');

/** The instrumentation scope name of every shn span. */
export const TRACER_NAME = '@shn/telemetry';

/** Options of {@link createTracingMiddleware}. */
export interface TracingOptions {
  /** Where spans go; default the global provider of `@opentelemetry/api` (whatever SDK the application registered, or none). */
  readonly tracerProvider?: TracerProvider;
  /**
   * Which messages sent outside any trace start a root PRODUCER span: a fraction in [0, 1], or
   * `true` (1, the default: every such message asks the SDK's sampler) / `false` (0: only continue
   * traces that are active or arrive in headers). A fraction below 1 is a cheap head sampler in
   * front of the SDK's: each message is picked independently with that probability, drawn as
   * geometric gaps (one random draw per picked message, a decrement per skipped one), and the
   * messages it skips carry no header, so
   * `roots: 0.01` with an always-on SDK traces 1% of messages at a fraction of the cost of a 1%
   * SDK sampler (which must create ids for every root it then drops). Receives never start roots.
   */
  readonly roots?: boolean | number;
  /** Randomness for the `roots` fraction (default systemRng). */
  readonly rng?: Rng;
  /** Kinds never traced (default `['shn.telemetry']`, the scrape/profile kind). */
  readonly ignoreKinds?: readonly string[];
  /** How many messages an envelope carries (for `messaging.batch.message_count`); default none. */
  readonly batchCount?: (env: Envelope) => number | undefined;
}

function fail(what: string, value: unknown): ShnError {
  return new ShnError('INVALID_ARGUMENT', `tracing options: ${what}, got ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`);
}

/**
 * Tracing as core middleware, on `@opentelemetry/api` only (the SDK is the application's choice).
 *
 * - `send` (tell) and `ask` start a PRODUCER span named `send <kind>` / `ask <kind>`, child of the
 *   active span, and write W3C `traceparent`/`tracestate` into the envelope's headers. An ask's
 *   span lasts until its reply (or error) arrives: the reply is linked to its request by the
 *   span and by `messaging.message.conversation_id` on both sides.
 * - `receive` of an envelope with a `traceparent` starts a CONSUMER span `process <kind>` whose
 *   parent is the header's span context, and makes it active while the actor runs, so the
 *   actor's own sends continue the trace. An envelope without the header is not traced.
 * - Errors (a throw, a rejected ask, a refused tell) are recorded on the span with `error.type`.
 * - Sampling: an unsampled parent (from the header or the active context) is propagated as a
 *   header only, with no span created; the only per-message cost is that header.
 *
 * Use it in every thread (it is part of the system definition's `middleware`).
 * @throws ShnError `INVALID_ARGUMENT` for a bad option.
 */
export function createTracingMiddleware(options: TracingOptions = {}): Middleware {
  if (typeof options !== 'object' || options === null) throw fail('must be an object', options);
  const { tracerProvider, roots = true, ignoreKinds = ['shn.telemetry'], batchCount, rng = systemRng } = options;
  if (tracerProvider !== undefined && typeof tracerProvider?.getTracer !== 'function') throw fail('tracerProvider must have getTracer()', typeof tracerProvider);
  const rootRatio = roots === true ? 1 : roots === false ? 0 : roots;
  if (typeof rootRatio !== 'number' || !(rootRatio >= 0 && rootRatio <= 1)) throw fail('roots must be a boolean or a fraction in [0, 1]', roots);
  if (typeof rng?.next !== 'function') throw fail('rng must have next()', typeof rng);
  if (!Array.isArray(ignoreKinds) || ignoreKinds.some((k) => typeof k !== 'string')) throw fail('ignoreKinds must be an array of kind names', ignoreKinds);
  if (batchCount !== undefined && typeof batchCount !== 'function') throw fail('batchCount must be a function', typeof batchCount);
  const tracer: Tracer = (tracerProvider ?? trace).getTracer(TRACER_NAME);
  const rootSampler = new HeadSampler(rootRatio, rng);
  const ignored = new Set(ignoreKinds);
  const kinds = new KindCache();

  // One-entry caches: a fan-out sends many envelopes under one parent, and a shard receives
  // runs of envelopes with the same header; both then skip formatting and parsing.
  let lastSent: SpanContext | undefined;
  let lastHeader = '';
  const withTrace = (env: Envelope, sc: SpanContext): Envelope => {
    if (sc !== lastSent) {
      lastHeader = formatTrustedTraceparent(sc.traceId, sc.spanId, sc.traceFlags);
      lastSent = sc;
    }
    const headers: Headers = { ...env.headers, [HEADERS.traceparent]: lastHeader };
    const state = sc.traceState?.serialize();
    if (state !== undefined && state.length > 0) headers[HEADERS.tracestate] = state;
    else delete headers[HEADERS.tracestate];
    return new HeaderedEnvelope(env, headers);
  };
  let lastParentHeader = '';
  let lastParentState: string | undefined;
  let lastParent: { ctx: Context; sampled: boolean } | undefined;
  /** The context of the header's span, cached for a run of identical headers; undefined for a malformed one. */
  const remoteParent = (header: string, state: string | undefined): { ctx: Context; sampled: boolean } | undefined => {
    if (header === lastParentHeader && state === lastParentState) return lastParent;
    const p = parseTraceparent(header);
    let made: { ctx: Context; sampled: boolean } | undefined;
    if (p !== undefined) {
      const sc: SpanContext = { traceId: p.traceId, spanId: p.spanId, traceFlags: p.traceFlags, isRemote: true };
      if (state !== undefined) sc.traceState = createTraceState(state);
      made = { ctx: trace.setSpanContext(ROOT_CONTEXT, sc), sampled: (p.traceFlags & TraceFlags.SAMPLED) !== 0 };
    }
    lastParentHeader = header;
    lastParentState = state;
    lastParent = made;
    return made;
  };

  const partitions: string[] = [];
  /** The attributes a recording span gets besides the four it starts with, in one call. Literal keys (the SEMCONV names): V8 then builds the object from a boilerplate. */
  const annotate = (span: Span, env: Envelope): void => {
    const shard = env.to.shard;
    const attributes: Attributes = {
      'messaging.destination.partition.id': partitions[shard] ?? (partitions[shard] = String(shard)),
      'messaging.message.id': env.id,
      'shn.actor': env.to.actor,
      'shn.message.type': env.type,
    };
    if (env.correlationId !== undefined) attributes['messaging.message.conversation_id'] = env.correlationId;
    const n = batchCount?.(env);
    if (n !== undefined && Number.isInteger(n) && n > 1) attributes['messaging.batch.message_count'] = n;
    span.setAttributes(attributes);
  };

  // What a tell or ask needs: nothing (no trace, or a root the head sampler skipped), a root
  // span, or the active span's context (a child span if sampled, else its header only).
  const NONE = 0;
  const ROOT = 1;
  const CHILD = 2;
  type Decision = typeof NONE | typeof ROOT | typeof CHILD;
  // Contexts are immutable: the span of the last active context is kept, so a run of tells in one
  // context (or outside any: the ROOT_CONTEXT of whichever copy of the API the manager uses) looks
  // it up once.
  let lastActive: Context | undefined;
  let lastParentSpan: Span | undefined;
  const decide = (): Decision => {
    const active = context.active();
    if (active !== lastActive) {
      lastActive = active;
      lastParentSpan = trace.getSpan(active);
    }
    const parentSpan = lastParentSpan;
    if (parentSpan === undefined) return rootSampler.take() ? ROOT : NONE;
    return parentSpan.spanContext().traceId === INVALID_TRACEID ? NONE : CHILD;
  };
  // The decision `intercepts` took for the tell that follows it (one sampler step per root, never two).
  let pendingActor: string | undefined;
  let pendingDecision: Decision = NONE;
  const ignoredList = [...ignored];
  /** Whether `actor` (`kind/id`) is of an ignored kind: one character compare per ignored kind unless it matches. */
  const isIgnoredActor = (actor: string): boolean => {
    for (let i = 0; i < ignoredList.length; i++) {
      const k = ignoredList[i] as string;
      if (actor.length > k.length && actor.charCodeAt(k.length) === 47 && actor.startsWith(k)) return true;
    }
    return false;
  };
  let lastKind = '';
  let lastIgnored = ignored.has('');
  const isIgnored = (kind: string): boolean => {
    if (kind !== lastKind) {
      lastKind = kind;
      lastIgnored = ignored.has(kind);
    }
    return lastIgnored;
  };

  /** Starts a producer span for `env`, or returns the unsampled parent's context to propagate as is. */
  const produce = (env: Envelope, kind: string, operation: 'send' | 'ask', decision: Decision): Span | SpanContext | undefined => {
    if (decision === NONE) return undefined;
    const active = context.active();
    if (decision === CHILD) {
      const parent = trace.getSpan(active)?.spanContext();
      if (parent === undefined) return undefined; // a stale decision (its tell never reached send): the span is gone
      // Unsampled upstream: propagate the decision as a header, create nothing.
      if ((parent.traceFlags & TraceFlags.SAMPLED) === 0) return parent;
    }
    const attributes: Attributes = {
      'messaging.system': MESSAGING_SYSTEM,
      'messaging.operation.name': operation,
      'messaging.operation.type': 'send',
      'messaging.destination.name': kind,
    };
    const span = tracer.startSpan(`${operation} ${kind}`, { kind: SpanKind.PRODUCER, attributes }, active);
    if (span.isRecording()) annotate(span, env);
    else if (span.spanContext().traceId === INVALID_TRACEID) return undefined; // no SDK registered: nothing to propagate
    return span;
  };

  /** A delivery that carries a `traceparent`: a CONSUMER span under it when sampled, else its context only. */
  const processTraced = (env: Envelope, next: Next<unknown>, header: string, kind: string): unknown => {
    const remote = remoteParent(header, env.headers[HEADERS.tracestate]);
    if (remote === undefined) return next(env);
    const parent = remote.ctx;
    // Unsampled upstream: no span, only the context, so that the actor's sends propagate the decision.
    if (!remote.sampled) return context.with(parent, next, undefined, env);
    const attributes: Attributes = {
      'messaging.system': MESSAGING_SYSTEM,
      'messaging.operation.name': 'process',
      'messaging.operation.type': 'process',
      'messaging.destination.name': kind,
    };
    const span = tracer.startSpan(`process ${kind}`, { kind: SpanKind.CONSUMER, attributes }, parent);
    if (span.isRecording()) annotate(span, env);
    return runInSpan(span, trace.setSpan(parent, span), next, env);
  };

  const isSpan = (x: Span | SpanContext): x is Span => typeof (x as Span).spanContext === 'function';

  return {
    name: 'shn.telemetry.tracing',

    // Tells outside any trace that the head sampler skips need no envelope: say so to the runtime.
    intercepts(actor: string): boolean {
      // Ignored kinds are found by a character test per ignored kind, without slicing the kind out.
      const decision = isIgnoredActor(actor) ? NONE : decide();
      // Kept for this tell's send, if it runs (another middleware may want the envelope); `sent` forgets it.
      pendingActor = actor;
      pendingDecision = decision;
      return decision !== NONE;
    },

    sent(): void {
      pendingActor = undefined;
    },

    send(env: Envelope, next: Next<'accepted' | 'full' | 'closed'>): 'accepted' | 'full' | 'closed' {
      const actor = env.to.actor;
      let decision: Decision;
      if (pendingActor === actor) {
        decision = pendingDecision;
        pendingActor = undefined;
      } else {
        decision = isIgnoredActor(actor) ? NONE : decide();
      }
      if (decision === NONE) return next(env);
      const made = produce(env, kinds.of(actor), 'send', decision);
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
      // Ignored kinds (scrapes) first, as in `intercepts`: they take no sampler step. Then the
      // decision: most asks (outside a trace, skipped by the head sampler) stop there.
      const actor = env.to.actor;
      if (isIgnoredActor(actor)) return next(env);
      const decision = decide();
      if (decision === NONE) return next(env);
      const made = produce(env, kinds.of(actor), 'ask', decision);
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

    // Made once per actor: its kind and whether it is ignored are known, so a delivery without a
    // traceparent costs one header load.
    receiveFor(actor: string): ReceiveHook | null {
      const kind = actorKindOf(actor);
      if (ignored.has(kind)) return null;
      return (env, next) => {
        const header = env.headers.traceparent;
        return header === undefined ? next(env) : processTraced(env, next, header, kind);
      };
    },

    receive(env: Envelope, next: Next<unknown>): unknown {
      // The header first: most messages carry none, and then nothing else is looked up. A named
      // load (inline-cached) rather than a keyed one: every received message pays it.
      const header = env.headers.traceparent;
      if (header === undefined) return next(env);
      const kind = kinds.of(env.to.actor);
      if (isIgnored(kind)) return next(env);
      return processTraced(env, next, header, kind);
    },
  };
}

import fc from 'fast-check';
import { ROOT_CONTEXT, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AlwaysOffSampler, BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ShnError, compose, composeReceive } from '@shn/core';
import type { Envelope } from '@shn/core';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheus, sampleValue } from './admin-server.test-helper.js';
import { createMetricsMiddleware } from './message-metrics.js';
import { SEMCONV } from './semconv.js';
import { createTracingMiddleware } from './tracing-middleware.js';

const env = (actor: string, headers: Record<string, string> = {}): Envelope => ({ id: '0:1', to: { node: 'n', shard: 0, actor }, type: 't', body: null, headers });

describe('tracing middleware, unit', () => {
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => context.disable());

  it('with no SDK registered it adds nothing and creates nothing', () => {
    const mw = createTracingMiddleware();
    let seen: Envelope | undefined;
    const send = compose([mw], 'send', (e) => {
      seen = e;
      return 'accepted' as const;
    });
    expect(send(env('kv/1'))).toBe('accepted');
    expect(seen?.headers).toEqual({});
  });

  it('an always-off sampler: the header carries the unsampled decision, no span is exported', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ sampler: new AlwaysOffSampler(), spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const mw = createTracingMiddleware({ tracerProvider: provider });
    const seen: Envelope[] = [];
    const ask = compose([mw], 'ask', (e) => {
      seen.push(e);
      return Promise.resolve('r');
    });
    await expect(ask(env('kv/1', { authorization: 'x' }))).resolves.toBe('r');
    expect(seen[0]?.headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    expect(seen[0]?.headers['authorization']).toBe('x');
    expect(seen[0]?.id).toBe('0:1');
    // The receiving side continues the unsampled decision: context only, no span.
    const receive = compose([mw], 'receive', () => trace.getSpan(context.active())?.spanContext().traceFlags);
    expect(receive(seen[0] as Envelope)).toBe(0);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });

  it('roots: false continues traces but starts none; ignored kinds are untouched', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const mw = createTracingMiddleware({ tracerProvider: provider, roots: false });
    const seen: Envelope[] = [];
    const send = compose([mw], 'send', (e) => {
      seen.push(e);
      return 'full' as const;
    });
    send(env('kv/1'));
    expect(seen[0]?.headers).toEqual({});
    const parent = provider.getTracer('t').startSpan('parent');
    context.with(trace.setSpan(ROOT_CONTEXT, parent), () => send(env('kv/2')));
    context.with(trace.setSpan(ROOT_CONTEXT, parent), () => send(env('shn.telemetry/0')));
    parent.end();
    expect(seen[1]?.headers['traceparent']).toContain(parent.spanContext().traceId);
    expect(seen[2]?.headers).toEqual({});
    const refused = exporter.getFinishedSpans().find((s) => s.name === 'send kv');
    expect(refused?.status.code).toBe(2);
    expect(refused?.attributes['error.type']).toBe('MAILBOX_FULL');
  });
});

describe('tracing middleware, intercepts', () => {
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => context.disable());

  it('says no to the tells the roots sampler skips, draws once per picked root, and send keeps the decision', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    // Geometric gaps at 0.01 (see head-sampler.test.ts): 0.015 skips one tell, 0.005 none, 0.025 two.
    let draws = [0.015, 0.005, 0.025, 0.9];
    let drawn = 0;
    const mw = createTracingMiddleware({ tracerProvider: provider, roots: 0.01, rng: { next: () => draws[drawn++] as number, int: () => 0 } });
    expect(drawn).toBe(1);
    const seen: Envelope[] = [];
    const send = compose([mw], 'send', (e) => {
      seen.push(e);
      return 'accepted' as const;
    });
    const wants = [0, 1, 2, 3, 4, 5].map((i) => {
      const e = env(`kv/${i}`);
      const w = mw.intercepts?.(e.to.actor) ?? true;
      // A runtime runs send only when some middleware wanted the tell; here always (another one did).
      send(e);
      return w;
    });
    expect(wants).toEqual([false, true, true, false, false, true]);
    expect(drawn).toBe(4);
    expect(seen.map((e) => e.headers['traceparent'] !== undefined)).toEqual([false, true, true, false, false, true]);
    expect(exporter.getFinishedSpans().map((s) => s.attributes['shn.actor'])).toEqual(['kv/1', 'kv/2', 'kv/5']);
    // Every attribute key is one of the SEMCONV names.
    const names = new Set<string>(Object.values(SEMCONV));
    for (const s of exporter.getFinishedSpans()) for (const k of Object.keys(s.attributes)) expect(names.has(k)).toBe(true);
    drawn = 0;
    draws = [0.9, 0.9, 0.9, 0.9];
    // Inside an active trace every tell is wanted (to carry the header), without a draw.
    const parent = provider.getTracer('t').startSpan('parent');
    expect(context.with(trace.setSpan(ROOT_CONTEXT, parent), () => mw.intercepts?.('kv/9'))).toBe(true);
    parent.end();
    expect(drawn).toBe(0);
    expect(mw.intercepts?.('shn.telemetry/0')).toBe(false);
    expect(drawn).toBe(0);
    // A decision the runtime never used (its tell took the envelope-free path) is forgotten by sent:
    // a later send to the same actor from inside a trace is still traced.
    expect(mw.intercepts?.('kv/7')).toBe(false);
    mw.sent?.('kv/7', 'accepted');
    // (0.9 left a gap of about 229 tells: no root is due, and none is needed.)
    const inner = provider.getTracer('t').startSpan('inner');
    context.with(trace.setSpan(ROOT_CONTEXT, inner), () => send(env('kv/7')));
    inner.end();
    expect(seen.at(-1)?.headers['traceparent']).toContain(inner.spanContext().traceId);
  });

  it('an ask to an ignored kind takes no sampler step: the root that was due goes to the next message', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const draws = [0.001, 0.9]; // a gap of 0: the next root-candidate message is picked
    let drawn = 0;
    const mw = createTracingMiddleware({ tracerProvider: provider, roots: 0.01, rng: { next: () => draws[drawn++] as number, int: () => 0 } });
    const seen: Envelope[] = [];
    const ask = compose([mw], 'ask', (e) => {
      seen.push(e);
      return Promise.resolve(1);
    });
    await ask(env('shn.telemetry/0'));
    expect(seen[0]?.headers['traceparent']).toBeUndefined();
    expect(drawn).toBe(1);
    await ask(env('kv/1'));
    expect(seen[1]?.headers['traceparent']).toBeDefined();
    expect(drawn).toBe(2);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['ask kv']);
  });
});

describe('metrics middleware, unit', () => {
  it('counts refusals, ask timeouts and failures with their codes', async () => {
    const registry = new Registry();
    let now = 0;
    const mw = createMetricsMiddleware({ registry, timeEvery: 1, clock: { now: () => now, monotonic: () => now } });
    const send = compose([mw], 'send', () => 'full' as const);
    send(env('kv/1'));
    const ask = compose([mw], 'ask', () => {
      now += 1500;
      return Promise.reject(new ShnError('TIMEOUT', 'late'));
    });
    await expect(ask(env('kv/1'))).rejects.toMatchObject({ code: 'TIMEOUT' });
    const receive = compose([mw], 'receive', () => {
      now += 0.004;
      throw new ShnError('DEADLINE_EXCEEDED', 'x');
    });
    expect(() => receive(env('kv/2'))).toThrow();
    const asyncReceive = compose([mw], 'receive', () => Promise.reject(new Error('boom')));
    await expect(asyncReceive(env('kv/3'))).rejects.toThrow('boom');
    const m = parsePrometheus(await registry.metrics());
    expect(sampleValue(m, 'shn_messages_refused_total', { kind: 'kv', reason: 'full' })).toBe(1);
    expect(sampleValue(m, 'shn_messages_sent_total', { kind: 'kv', operation: 'tell' })).toBe(0);
    expect(sampleValue(m, 'shn_ask_timeouts_total', { kind: 'kv' })).toBe(1);
    expect(sampleValue(m, 'shn_ask_duration_seconds_bucket', { kind: 'kv', le: '1' })).toBe(0);
    expect(sampleValue(m, 'shn_ask_duration_seconds_bucket', { kind: 'kv', le: '2' })).toBe(1);
    expect(sampleValue(m, 'shn_messages_failed_total', { kind: 'kv', code: 'DEADLINE_EXCEEDED' })).toBe(1);
    expect(sampleValue(m, 'shn_messages_failed_total', { kind: 'kv', code: 'ACTOR_FAILED' })).toBe(1);
    expect(sampleValue(m, 'shn_message_processing_seconds_bucket', { kind: 'kv', le: '0.000002' })).toBe(1);
    expect(sampleValue(m, 'shn_message_processing_seconds_bucket', { kind: 'kv', le: '0.000005' })).toBe(2);
    expect(sampleValue(m, 'shn_messages_received_total', { kind: 'kv' })).toBe(2);
  });
});

describe('metrics middleware, per-actor hooks', () => {
  it('receiveFor counts deliveries and failures like receive, and skips ignored kinds', async () => {
    const registry = new Registry();
    const mw = createMetricsMiddleware({ registry, timeEvery: 2, clock: { now: () => 0, monotonic: () => 0 } });
    expect(mw.receiveFor?.('shn.telemetry/0')).toBeNull();
    const ok = composeReceive([mw], 'kv/1', () => 'r');
    const throws = composeReceive([mw], 'kv/2', () => {
      throw new ShnError('DEADLINE_EXCEEDED', 'x');
    });
    const rejects = composeReceive([mw], 'kv/3', () => Promise.reject(new Error('boom')));
    for (let i = 0; i < 5; i++) expect(ok(env('kv/1'))).toBe('r');
    for (let i = 0; i < 3; i++) expect(() => throws(env('kv/2'))).toThrow('x');
    for (let i = 0; i < 3; i++) await expect(rejects(env('kv/3'))).rejects.toThrow('boom');
    await new Promise((r) => setImmediate(r));
    const m = parsePrometheus(await registry.metrics());
    expect(sampleValue(m, 'shn_messages_received_total', { kind: 'kv' })).toBe(11);
    expect(sampleValue(m, 'shn_messages_failed_total', { kind: 'kv', code: 'DEADLINE_EXCEEDED' })).toBe(3);
    expect(sampleValue(m, 'shn_messages_failed_total', { kind: 'kv', code: 'ACTOR_FAILED' })).toBe(3);
    expect(sampleValue(m, 'shn_message_processing_seconds_count', { kind: 'kv' })).toBe(6); // ceil(11 / 2)
  });

  it('sent counts by the kind the runtime passes, or by the actor name without it', async () => {
    const registry = new Registry();
    const mw = createMetricsMiddleware({ registry });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom('kv', 'cache', 'shn.telemetry'), fc.boolean(), fc.constantFrom('accepted', 'full', 'closed')), { maxLength: 60 }), async (tells) => {
        registry.resetMetrics();
        for (const [kind, withKind, r] of tells) mw.sent?.(`${kind}/x`, r as 'accepted', withKind ? kind : undefined);
        await registry.getMetricsAsJSON().then((all) => {
          const sent = all.find((x) => x.name === 'shn_messages_sent_total')?.values ?? [];
          const refused = all.find((x) => x.name === 'shn_messages_refused_total')?.values ?? [];
          for (const kind of ['kv', 'cache']) {
            const value = (list: typeof sent, labels: Record<string, string>) => list.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value ?? 0;
            expect(value(sent, { kind, operation: 'tell' })).toBe(tells.filter(([k, , r]) => k === kind && r === 'accepted').length);
            expect(value(refused, { kind, reason: 'full' })).toBe(tells.filter(([k, , r]) => k === kind && r === 'full').length);
          }
          expect(sent.some((v) => v.labels['kind'] === 'shn.telemetry')).toBe(false);
        });
      }),
    );
  });
});

describe('metrics middleware, timeEvery', () => {
  it('times one message in N per kind (the 1st, N+1st, …) and still counts every message', async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), async (every, n, k) => {
        const registry = new Registry();
        const mw = createMetricsMiddleware({ registry, ...(every === undefined ? {} : { timeEvery: every }), clock: { now: () => 0, monotonic: () => 0 } });
        // Both paths share the per-kind counts: the generic `receive` and the per-actor `receiveFor` hook.
        const receive = compose([mw], 'receive', () => 1);
        const kvActor = composeReceive([mw], 'kv/0', () => 1);
        const send = compose([mw], 'send', () => 'accepted' as const);
        for (let i = 0; i < n; i++) (i % 3 === 0 ? receive : kvActor)(env(`kv/${i}`));
        for (let i = 0; i < k; i++) receive(env('other/1'));
        for (let i = 0; i < k; i++) send(env(`kv/${i}`));
        const m = parsePrometheus(await registry.metrics());
        const per = every ?? 16; // the default
        expect(sampleValue(m, 'shn_messages_received_total', { kind: 'kv' }) ?? 0).toBe(n);
        expect(sampleValue(m, 'shn_messages_received_total', { kind: 'other' }) ?? 0).toBe(k);
        expect(sampleValue(m, 'shn_messages_sent_total', { kind: 'kv', operation: 'tell' }) ?? 0).toBe(k);
        expect(sampleValue(m, 'shn_message_processing_seconds_count', { kind: 'kv' }) ?? 0).toBe(Math.ceil(n / per));
        expect(sampleValue(m, 'shn_message_processing_seconds_count', { kind: 'other' }) ?? 0).toBe(Math.ceil(k / per));
        expect(sampleValue(m, 'shn_message_processing_seconds_bucket', { kind: 'kv', le: '+Inf' }) ?? 0).toBe(Math.ceil(n / per));
      }),
    );
  });

  it('the default times 1 in 16: 40 messages give exactly 3 observations; timeEvery 1 gives 40', async () => {
    for (const [options, count] of [[{}, 3], [{ timeEvery: 1 }, 40]] as const) {
      const registry = new Registry();
      const receive = compose([createMetricsMiddleware({ registry, ...options })], 'receive', () => undefined);
      for (let i = 0; i < 40; i++) receive(env('kv/1'));
      const m = parsePrometheus(await registry.metrics());
      expect(sampleValue(m, 'shn_messages_received_total', { kind: 'kv' })).toBe(40);
      expect(sampleValue(m, 'shn_message_processing_seconds_count', { kind: 'kv' })).toBe(count);
    }
    const registry = new Registry();
    createMetricsMiddleware({ registry });
    expect(await registry.metrics()).toMatch(/# HELP shn_message_processing_seconds .*sampled: 1 message in 16/);
  });

  it('a bad timeEvery is a typed INVALID_ARGUMENT error', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Infinity, 1_000_001, '16', null]) {
      let error: unknown;
      try {
        createMetricsMiddleware({ registry: new Registry(), timeEvery: bad as never });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ShnError);
      expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/timeEvery/) as unknown });
    }
  });
});

import fc from 'fast-check';
import { ROOT_CONTEXT, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AlwaysOffSampler, BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ShnError, compose } from '@shn/core';
import type { Envelope } from '@shn/core';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheus, sampleValue } from './admin-server.test-helper.js';
import { createMetricsMiddleware } from './message-metrics.js';
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

describe('metrics middleware, unit', () => {
  it('counts refusals, ask timeouts and failures with their codes', async () => {
    const registry = new Registry();
    let now = 0;
    const mw = createMetricsMiddleware({ registry, clock: { now: () => now, monotonic: () => now } });
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

describe('metrics middleware, timeEvery', () => {
  it('times one message in N per kind and still counts every message', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 40 }), async (every, n) => {
        const registry = new Registry();
        const mw = createMetricsMiddleware({ registry, timeEvery: every, clock: { now: () => 0, monotonic: () => 0 } });
        const receive = compose([mw], 'receive', () => 1);
        for (let i = 0; i < n; i++) receive(env('kv/1'));
        const m = parsePrometheus(await registry.metrics());
        expect(sampleValue(m, 'shn_messages_received_total', { kind: 'kv' }) ?? 0).toBe(n);
        expect(sampleValue(m, 'shn_message_processing_seconds_count', { kind: 'kv' }) ?? 0).toBe(Math.ceil(n / every));
      }),
    );
    expect(() => createMetricsMiddleware({ registry: new Registry(), timeEvery: 0 })).toThrow(/timeEvery/);
  });
});

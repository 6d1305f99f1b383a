import { SpanKind, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ShnError, compose, seededRng } from '@shn/core';
import type { Envelope } from '@shn/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequestTracer } from './request-tracer.js';
import { createTracingMiddleware } from './tracing-middleware.js';

describe('createRequestTracer', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => context.disable());

  it('roots the trace that the ask middleware continues, and records a rejection', async () => {
    exporter.reset();
    const requests = createRequestTracer({ tracerProvider: provider });
    const mw = createTracingMiddleware({ tracerProvider: provider });
    const seen: Envelope[] = [];
    const ask = compose([mw], 'ask', (e) => {
      seen.push(e);
      return Promise.reject(new ShnError('TIMEOUT', 'late'));
    });
    const env: Envelope = { id: '0:1', to: { node: 'n', shard: 1, actor: 'kv/a' }, type: 'get', body: null, headers: {} };
    await expect(requests.run('MGET', { 'db.operation.name': 'MGET' }, () => ask(env))).rejects.toMatchObject({ code: 'TIMEOUT' });
    const server = exporter.getFinishedSpans().find((s) => s.name === 'MGET');
    const producer = exporter.getFinishedSpans().find((s) => s.name === 'ask kv');
    expect(server?.kind).toBe(SpanKind.SERVER);
    expect(server?.status.code).toBe(2);
    expect(producer?.parentSpanContext?.spanId).toBe(server?.spanContext().spanId);
    expect(seen[0]?.headers['traceparent']).toContain(server?.spanContext().traceId);
    expect(trace.getActiveSpan()).toBeUndefined();
  });

  it('traces about ratio of the requests and runs every one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.double({ min: 0, max: 1, noNaN: true }), (seed, ratio) => {
        exporter.reset();
        const requests = createRequestTracer({ tracerProvider: provider, ratio, rng: seededRng(seed) });
        let ran = 0;
        for (let i = 0; i < 200; i++) requests.run('r', undefined, () => ran++);
        expect(ran).toBe(200);
        const traced = exporter.getFinishedSpans().length;
        if (ratio === 0) expect(traced).toBe(0);
        if (ratio === 1) expect(traced).toBe(200);
        expect(Math.abs(traced - 200 * ratio)).toBeLessThanOrEqual(60);
      }),
      { numRuns: 30 },
    );
    expect(() => createRequestTracer({ ratio: 2 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('pick then trace picks the same requests as run, and trace takes no sampler step (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.double({ min: 0, max: 1, noNaN: true }), (seed, ratio) => {
        exporter.reset();
        const byRun = createRequestTracer({ tracerProvider: provider, ratio, rng: seededRng(seed) });
        const runPicked: number[] = [];
        for (let i = 0; i < 100; i++) byRun.run('r', undefined, () => (trace.getActiveSpan() === undefined ? undefined : runPicked.push(i)));
        exporter.reset();
        const byPick = createRequestTracer({ tracerProvider: provider, ratio, rng: seededRng(seed) });
        const picked: number[] = [];
        for (let i = 0; i < 100; i++) if (byPick.pick()) byPick.trace('r', { 'db.operation.name': 'R' }, () => picked.push(i));
        expect(picked).toEqual(runPicked);
        expect(exporter.getFinishedSpans().length).toBe(picked.length);
        for (const s of exporter.getFinishedSpans()) expect(s.attributes['db.operation.name']).toBe('R');
      }),
      { numRuns: 30 },
    );
    // trace always makes a span, whatever the ratio: it is the caller's picked request.
    exporter.reset();
    const never = createRequestTracer({ tracerProvider: provider, ratio: 0 });
    expect(never.pick()).toBe(false);
    expect(never.trace('x', undefined, () => 7)).toBe(7);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['x']);
  });
});

import { BroadcastChannel } from 'node:worker_threads';
import { ROOT_CONTEXT, SpanKind, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createRuntime } from '@shn/core-mailbox';
import type { Runtime } from '@shn/core-mailbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpanRecord } from './fixtures/telemetry-system.js';
import { SEMCONV } from './semconv.js';

const system = new URL('../dist/fixtures/telemetry-system.js', import.meta.url);

/** A key of `kind` owned by `shard`. */
function keyOn(rt: Runtime, kind: string, shard: number): string {
  for (let i = 0; i < 10_000; i++) if (rt.shardOf(kind, `k${i}`) === shard) return `k${i}`;
  throw new Error(`no key on shard ${shard}`);
}

describe('tracing across the main thread and two real shards', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const channelName = `shn-telemetry-test-${process.pid}`;
  const channel = new BroadcastChannel(channelName);
  const shardSpans: SpanRecord[] = [];
  let waiters: Array<() => void> = [];
  let rt: Runtime;

  /** Resolves once the shards have exported `n` spans matching `pred` (driven by channel messages, no sleeps). */
  const shardSpansWhere = (pred: (s: SpanRecord) => boolean, n: number): Promise<SpanRecord[]> =>
    new Promise((resolve, reject) => {
      // Diagnostic only: fail with what did arrive instead of a bare test timeout.
      const giveUp = setTimeout(() => reject(new Error(`only ${shardSpans.filter(pred).length} of ${n} spans; got ${JSON.stringify(shardSpans.map((s) => [s.name, s.traceId, s.parentSpanId]))}`)), 15_000);
      const check = (): boolean => {
        const hits = shardSpans.filter(pred);
        if (hits.length < n) return false;
        clearTimeout(giveUp);
        resolve(hits);
        return true;
      };
      const wait = (): void => {
        if (!check()) waiters.push(wait);
      };
      wait();
    });

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
    channel.onmessage = (m: unknown) => {
      shardSpans.push((m as { data: SpanRecord }).data);
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    };
    rt = await createRuntime({ system, shards: 2, params: { traces: `broadcast:${channelName}` } });
  });

  afterAll(async () => {
    await rt?.close();
    channel.close();
    trace.disable();
    context.disable();
  });

  it('an MSET fan-out is one trace: connection span → ask spans → a process span on each shard', async () => {
    const k0 = keyOn(rt, 'kv', 0);
    const k1 = keyOn(rt, 'kv', 1);
    const tracer = trace.getTracer('test');
    const root = await tracer.startActiveSpan('MSET', { kind: SpanKind.SERVER }, async (span) => {
      await Promise.all([rt.ask('kv', k0, 'set', 'a'), rt.ask('kv', k1, 'set', 'b')]);
      span.end();
      return span.spanContext();
    });
    const main = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === root.traceId);
    const asks = main.filter((s) => s.name === 'ask kv');
    expect(asks).toHaveLength(2);
    for (const a of asks) {
      expect(a.kind).toBe(SpanKind.PRODUCER);
      expect(a.parentSpanContext?.spanId).toBe(root.spanId);
      expect(a.attributes[SEMCONV.system]).toBe('shn');
      expect(a.attributes[SEMCONV.operationName]).toBe('ask');
      expect(a.attributes[SEMCONV.destinationName]).toBe('kv');
      expect(typeof a.attributes[SEMCONV.conversationId]).toBe('string');
    }
    const processed = await shardSpansWhere((s) => s.traceId === root.traceId && s.name === 'process kv', 2);
    expect(processed.map((s) => s.attributes[SEMCONV.partitionId]).sort()).toEqual(['0', '1']);
    for (const p of processed) {
      expect(p.kind).toBe(SpanKind.CONSUMER);
      const parent = asks.find((a) => a.spanContext().spanId === p.parentSpanId);
      expect(parent, 'each process span is the child of one ask span').toBeDefined();
      expect(p.attributes[SEMCONV.partitionId]).toBe(parent?.attributes[SEMCONV.partitionId]);
      expect(p.attributes[SEMCONV.conversationId]).toBe(parent?.attributes[SEMCONV.conversationId]);
      expect(p.attributes[SEMCONV.operationType]).toBe('process');
    }
  });

  it('an actor asking another shard continues the trace inside the shard (process → ask → process)', async () => {
    const k1 = keyOn(rt, 'kv', 1);
    await rt.ask('kv', k1, 'set', 'v');
    const tracer = trace.getTracer('test');
    const root = await tracer.startActiveSpan('GET via relay', async (span) => {
      const v = await rt.refOnShard(0, 'worker', 'w').ask('relay', { key: k1 });
      expect(v).toBe('v');
      span.end();
      return span.spanContext();
    });
    const relay = (await shardSpansWhere((s) => s.traceId === root.traceId && s.name === 'process worker', 1))[0] as SpanRecord;
    const inner = (await shardSpansWhere((s) => s.traceId === root.traceId && s.name === 'ask kv', 1))[0] as SpanRecord;
    const leaf = (await shardSpansWhere((s) => s.traceId === root.traceId && s.name === 'process kv', 1))[0] as SpanRecord;
    expect(inner.parentSpanId).toBe(relay.spanId);
    expect(leaf.parentSpanId).toBe(inner.spanId);
    expect(relay.attributes[SEMCONV.partitionId]).toBe('0');
    expect(leaf.attributes[SEMCONV.partitionId]).toBe('1');
  });

  it('a failing ask records the error on both sides', async () => {
    const tracer = trace.getTracer('test');
    const root = await tracer.startActiveSpan('failing', async (span) => {
      await expect(rt.refOnShard(1, 'worker', 'w').ask('fail')).rejects.toMatchObject({ code: 'ACTOR_FAILED' });
      span.end();
      return span.spanContext();
    });
    const ask = exporter.getFinishedSpans().find((s) => s.spanContext().traceId === root.traceId && s.name === 'ask worker');
    expect(ask?.status.code).toBe(2);
    expect(ask?.attributes[SEMCONV.errorType]).toBe('ACTOR_FAILED');
    const proc = (await shardSpansWhere((s) => s.traceId === root.traceId && s.name === 'process worker', 1))[0] as SpanRecord;
    expect(proc.status).toBe(2);
    expect(proc.attributes[SEMCONV.errorType]).toBe('INVALID_ARGUMENT');
  });

  it('an unsampled parent travels as a header only: flags 00, no span anywhere', async () => {
    const unsampled = trace.setSpanContext(ROOT_CONTEXT, { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceFlags: 0 });
    const before = exporter.getFinishedSpans().length;
    const headers = await context.with(unsampled, () => rt.refOnShard(1, 'worker', 'w').ask<Record<string, string>>('headers'));
    expect(headers['traceparent']).toBe(`00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-00`);
    expect(exporter.getFinishedSpans().length).toBe(before);
    // A sampled ask behind it on the same shard: its span arriving proves the unsampled one made none.
    const root = await trace.getTracer('test').startActiveSpan('barrier', async (span) => {
      await rt.refOnShard(1, 'worker', 'w').ask('headers');
      span.end();
      return span.spanContext();
    });
    await shardSpansWhere((s) => s.traceId === root.traceId, 1);
    expect(shardSpans.filter((s) => s.traceId === 'ab'.repeat(16))).toHaveLength(0);
  });
});

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../server/start-server.js';
import { msetTrace, startTracedKv, type OtlpReceiver } from './otlp-receiver.test-helper.js';

// OTLP/HTTP from the standard exporter, in every thread (main and both shards), to a local receiver.
describe('shn-kv tracing (--telemetry tracing, gateway mode): one trace for an MSET over two shards', () => {
  let otlp: OtlpReceiver;
  let server: RunningServer;

  beforeAll(async () => {
    ({ otlp, server } = await startTracedKv('gateway'));
  });

  afterAll(async () => {
    await server?.close();
    await otlp?.close();
  });

  it('links the connection span, an ask per shard and a process span on each shard', async () => {
    const { root, asks, processed } = await msetTrace(server.port, otlp, 2);
    expect(root.kind).toBe(2); // SERVER (OTLP enum: 1 internal, 2 server, 3 client, 4 producer, 5 consumer)
    expect(root.parentSpanId ?? '').toBe('');
    expect(asks).toHaveLength(2);
    expect(processed).toHaveLength(2);
    for (const s of asks) {
      expect(s.kind).toBe(4);
      expect(s.parentSpanId).toBe(root.spanId);
    }
    for (const s of processed) expect(s.kind).toBe(5);
    // Each shard's process span is the child of one of the two asks: one per ask.
    expect(processed.map((p) => p.parentSpanId).sort()).toEqual(asks.map((s) => s.spanId).sort());
  });

  it('keeps each command its own trace when many connections share the backend batches (every command traced)', async () => {
    const clients = Array.from({ length: 5 }, () => new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 }));
    await Promise.all(clients.map((c) => c.connect()));
    const before = new Set(otlp.received.map((s) => s.traceId));
    // Five connections, each a pipeline of four SETs, all in flight at once: the gateway batches
    // commands of several connections (several traces) into one ask per shard.
    await Promise.all(clients.map((c, i) => c.pipeline(Array.from({ length: 4 }, (_, j) => ['set', `trace-${i}-${j}`, 'v'])).exec()));
    for (const c of clients) c.disconnect();
    const sets = () => otlp.received.filter((s) => s.name === 'SET' && !before.has(s.traceId));
    const inTrace = (traceId: string, name: string) => otlp.received.filter((s) => s.traceId === traceId && s.name === name);
    await otlp.until(() => sets().length >= 20 && sets().every((root) => inTrace(root.traceId, 'process kv').length >= 1));
    expect(sets()).toHaveLength(20);
    for (const root of sets()) {
      const asks = inTrace(root.traceId, 'ask kv');
      const processed = inTrace(root.traceId, 'process kv');
      expect(asks).toHaveLength(1);
      expect(asks[0]?.parentSpanId).toBe(root.spanId);
      expect(processed).toHaveLength(1);
      expect(processed[0]?.parentSpanId).toBe(asks[0]?.spanId);
    }
    // No shard message starts a trace of its own: every ask span is under a command's span.
    const roots = new Set(otlp.received.filter((s) => s.kind === 2).map((s) => s.traceId));
    expect(otlp.received.filter((s) => s.name === 'ask kv' && !roots.has(s.traceId))).toEqual([]);
  });
});

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../server/start-server.js';
import { keyOn, startOtlpReceiver, type OtlpReceiver, type OtlpSpan } from './otlp-receiver.test-helper.js';

// OTLP/HTTP from the standard exporter, in every thread (main and both shards), to a local receiver.
describe('shn-kv tracing (--telemetry tracing, gateway mode): one trace for an MSET over two shards', () => {
  let otlp: OtlpReceiver;
  let server: RunningServer;

  beforeAll(async () => {
    otlp = await startOtlpReceiver();
    server = await startServer({ port: 0, adminPort: 0, shards: 2, connections: 'gateway', params: { telemetry: 'tracing', traceExporter: `otlp:${otlp.url}` } });
  });

  afterAll(async () => {
    await server?.close();
    await otlp?.close();
  });

  it('links the connection span, an ask per shard and a process span on each shard', async () => {
    const redis = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
    await redis.connect();
    const a = keyOn(0, 2);
    const b = keyOn(1, 2);
    expect(await redis.mset(a, '1', b, '2')).toBe('OK');
    redis.disconnect();
    let root: OtlpSpan | undefined;
    await otlp.until(() => {
      root = otlp.received.find((s) => s.name === 'MSET');
      if (root === undefined) return false;
      const inTrace = otlp.received.filter((s) => s.traceId === root!.traceId);
      return inTrace.filter((s) => s.name === 'process kv').length >= 2 && inTrace.filter((s) => s.name === 'ask kv').length >= 2;
    });
    const trace = otlp.received.filter((s) => s.traceId === root!.traceId);
    expect(root!.kind).toBe(2); // SERVER (OTLP enum: 1 internal, 2 server, 3 client, 4 producer, 5 consumer)
    expect(root!.parentSpanId ?? '').toBe('');
    const asks = trace.filter((s) => s.name === 'ask kv');
    const processed = trace.filter((s) => s.name === 'process kv');
    expect(asks).toHaveLength(2);
    expect(processed).toHaveLength(2);
    for (const s of asks) {
      expect(s.kind).toBe(4);
      expect(s.parentSpanId).toBe(root!.spanId);
    }
    for (const s of processed) expect(s.kind).toBe(5);
    // Each shard's process span is the child of one of the two asks: one per ask.
    expect(processed.map((p) => p.parentSpanId).sort()).toEqual(asks.map((s) => s.spanId).sort());
  });
});

import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reusePortSupport } from '../server/connection-mode.js';
import { startServer, type RunningServer } from '../server/start-server.js';
import { keyOn, startOtlpReceiver, type OtlpReceiver, type OtlpSpan } from './otlp-receiver.test-helper.js';

// Shard-owned mode (Node >= 22.12): the serving shard runs MSET's local key inline inside the
// MSET span and asks the other shard for the remote one. Runs in CI's Node 24 pass.
describe.skipIf(!reusePortSupport().ok)('shn-kv tracing, shard-owned mode: MSET on the serving shard, one ask to the other', () => {
  let otlp: OtlpReceiver;
  let server: RunningServer;

  beforeAll(async () => {
    otlp = await startOtlpReceiver();
    server = await startServer({ port: 0, adminPort: 0, shards: 2, connections: 'shard-owned', params: { telemetry: 'tracing', traceExporter: `otlp:${otlp.url}` } });
  });

  afterAll(async () => {
    await server?.close();
    await otlp?.close();
  });

  it('links the serving shard\'s MSET span, its ask and the other shard\'s process span', async () => {
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
      return inTrace.filter((s) => s.name === 'process kv').length >= 1 && inTrace.filter((s) => s.name === 'ask kv').length >= 1;
    });
    const trace = otlp.received.filter((s) => s.traceId === root!.traceId);
    expect(root!.kind).toBe(2); // SERVER
    expect(root!.parentSpanId ?? '').toBe('');
    const asks = trace.filter((s) => s.name === 'ask kv');
    const processed = trace.filter((s) => s.name === 'process kv');
    expect(asks).toHaveLength(1);
    expect(processed).toHaveLength(1);
    expect(asks[0]!.kind).toBe(4);
    expect(asks[0]!.parentSpanId).toBe(root!.spanId);
    expect(processed[0]!.kind).toBe(5);
    expect(processed[0]!.parentSpanId).toBe(asks[0]!.spanId);
  });
});

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
});

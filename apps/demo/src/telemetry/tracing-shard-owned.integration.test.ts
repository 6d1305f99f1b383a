import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reusePortSupport } from '../server/connection-mode.js';
import type { RunningServer } from '../server/start-server.js';
import { msetTrace, startTracedKv, type OtlpReceiver } from './otlp-receiver.test-helper.js';

// Shard-owned mode (Node >= 22.12): the serving shard runs MSET's local key inline inside the
// MSET span and asks the other shard for the remote one. Runs in CI's Node 24 pass.
describe.skipIf(!reusePortSupport().ok)('shn-kv tracing, shard-owned mode: MSET on the serving shard, one ask to the other', () => {
  let otlp: OtlpReceiver;
  let server: RunningServer;

  beforeAll(async () => {
    ({ otlp, server } = await startTracedKv('shard-owned'));
  });

  afterAll(async () => {
    await server?.close();
    await otlp?.close();
  });

  it("links the serving shard's MSET span, its ask and the other shard's process span", async () => {
    const { root, asks, processed } = await msetTrace(server.port, otlp, 1);
    expect(root.kind).toBe(2); // SERVER
    expect(root.parentSpanId ?? '').toBe('');
    expect(asks).toHaveLength(1);
    expect(processed).toHaveLength(1);
    expect(asks[0]!.kind).toBe(4);
    expect(asks[0]!.parentSpanId).toBe(root.spanId);
    expect(processed[0]!.kind).toBe(5);
    expect(processed[0]!.parentSpanId).toBe(asks[0]!.spanId);
  });
});

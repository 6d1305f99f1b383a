import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kvShardOfKey } from '../kv/kv-router.js';
import { startServer, type RunningServer } from '../server/start-server.js';

/** An OTLP span as the OTLP/HTTP JSON encoding carries it (ids in hex). */
interface OtlpSpan {
  readonly name: string;
  readonly kind: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
}

function spansOf(body: unknown): OtlpSpan[] {
  const rs = (body as { resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: OtlpSpan[] }> }> }).resourceSpans ?? [];
  return rs.flatMap((r) => (r.scopeSpans ?? []).flatMap((s) => s.spans ?? []));
}

/** The first key `k<i>` owned by `shard` of `shards`. */
function keyOn(shard: number, shards: number): string {
  for (let i = 0; i < 10_000; i++) if (kvShardOfKey(Buffer.from(`k${i}`), shards) === shard) return `k${i}`;
  throw new Error(`no key on shard ${shard}`);
}

// OTLP/HTTP from the standard exporter, in every thread (main and both shards), to a local receiver.
describe('shn-kv tracing (--telemetry tracing, gateway mode): one trace for an MSET over two shards', () => {
  const received: OtlpSpan[] = [];
  let waiters: Array<() => void> = [];
  let receiver: Server;
  let server: RunningServer;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/v1/traces') received.push(...spansOf(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
        const w = waiters;
        waiters = [];
        for (const f of w) f();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/traces`;
    server = await startServer({ port: 0, adminPort: 0, shards: 2, connections: 'gateway', params: { telemetry: 'tracing', traceExporter: `otlp:${url}` } });
  });

  afterAll(async () => {
    await server?.close();
    await new Promise<void>((r) => receiver?.close(() => r()));
  });

  /** Resolves when `pred` holds over the received spans (driven by arriving exports, no sleeps). */
  const until = (pred: () => boolean): Promise<void> =>
    new Promise((resolve, reject) => {
      const giveUp = setTimeout(() => reject(new Error(`spans so far: ${JSON.stringify(received.map((s) => [s.name, s.traceId, s.spanId, s.parentSpanId]))}`)), 15_000);
      const check = (): void => {
        if (pred()) {
          clearTimeout(giveUp);
          resolve();
        } else waiters.push(check);
      };
      check();
    });

  it('links the connection span, an ask per shard and a process span on each shard', async () => {
    const redis = new Redis({ port: server.port, lazyConnect: true, maxRetriesPerRequest: 0 });
    await redis.connect();
    const a = keyOn(0, 2);
    const b = keyOn(1, 2);
    expect(await redis.mset(a, '1', b, '2')).toBe('OK');
    redis.disconnect();
    let root: OtlpSpan | undefined;
    await until(() => {
      root = received.find((s) => s.name === 'MSET');
      if (root === undefined) return false;
      const inTrace = received.filter((s) => s.traceId === root!.traceId);
      return inTrace.filter((s) => s.name === 'process kv').length >= 2 && inTrace.filter((s) => s.name === 'ask kv').length >= 2;
    });
    const trace = received.filter((s) => s.traceId === root!.traceId);
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

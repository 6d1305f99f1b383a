import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kvShardOfKey } from '../kv/kv-router.js';
import { reusePortSupport } from '../server/connection-mode.js';
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

// Shard-owned mode (Node >= 22.12): the serving shard runs MSET's local key inline inside the
// MSET span and asks the other shard for the remote one. Runs in CI's Node 24 pass.
describe.skipIf(!reusePortSupport().ok)('shn-kv tracing, shard-owned mode: MSET on the serving shard, one ask to the other', () => {
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
    server = await startServer({ port: 0, adminPort: 0, shards: 2, connections: 'shard-owned', params: { telemetry: 'tracing', traceExporter: `otlp:${url}` } });
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

  it('links the serving shard\'s MSET span, its ask and the other shard\'s process span', async () => {
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
      return inTrace.filter((s) => s.name === 'process kv').length >= 1 && inTrace.filter((s) => s.name === 'ask kv').length >= 1;
    });
    const trace = received.filter((s) => s.traceId === root!.traceId);
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

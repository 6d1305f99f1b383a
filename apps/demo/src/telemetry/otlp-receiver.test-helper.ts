import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { kvShardOfKey } from '../kv/kv-router.js';
import { startServer, type RunningServer } from '../server/start-server.js';

/** An OTLP span as the OTLP/HTTP JSON encoding carries it (ids in hex). */
export interface OtlpSpan {
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

/** The first key `<salt><i>` owned by `shard` of `shards`. */
export function keyOn(shard: number, shards: number, salt = 'k'): string {
  for (let i = 0; i < 10_000; i++) if (kvShardOfKey(Buffer.from(`${salt}${i}`), shards) === shard) return `${salt}${i}`;
  throw new Error(`no key on shard ${shard}`);
}

/** A local OTLP/HTTP JSON receiver: the spans it got, and a wait driven by arriving exports. */
export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>/v1/traces`. */
  readonly url: string;
  readonly received: OtlpSpan[];
  /** Resolves when `pred` holds over the received spans; rejects after 15 s listing them. */
  until(pred: () => boolean): Promise<void>;
  close(): Promise<void>;
}

/** Starts an {@link OtlpReceiver} on an ephemeral loopback port. */
async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const received: OtlpSpan[] = [];
  let waiters: Array<() => void> = [];
  const server = createServer((req, res) => {
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
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
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
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
    received,
    until,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** shn-kv with `--telemetry tracing` exporting OTLP/HTTP to its own receiver (2 shards). */
export async function startTracedKv(connections: 'gateway' | 'shard-owned'): Promise<{ otlp: OtlpReceiver; server: RunningServer }> {
  const otlp = await startOtlpReceiver();
  const server = await startServer({ port: 0, adminPort: 0, shards: 2, connections, params: { telemetry: 'tracing', traceExporter: `otlp:${otlp.url}` } });
  return { otlp, server };
}

/**
 * Sends one MSET with a key on each of the two shards, then waits until its trace holds at least
 * `asks` `ask kv` spans and as many `process kv` spans; returns the MSET span and those spans.
 */
export async function msetTrace(port: number, otlp: OtlpReceiver, asks: number): Promise<{ root: OtlpSpan; asks: OtlpSpan[]; processed: OtlpSpan[] }> {
  const redis = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0 });
  await redis.connect();
  const reply = await redis.mset(keyOn(0, 2), '1', keyOn(1, 2), '2');
  redis.disconnect();
  if (reply !== 'OK') throw new Error(`MSET answered ${String(reply)}`);
  let root: OtlpSpan | undefined;
  const inTrace = (name: string) => otlp.received.filter((s) => s.traceId === root?.traceId && s.name === name);
  await otlp.until(() => {
    root = otlp.received.find((s) => s.name === 'MSET');
    return root !== undefined && inTrace('process kv').length >= asks && inTrace('ask kv').length >= asks;
  });
  return { root: root as OtlpSpan, asks: inTrace('ask kv'), processed: inTrace('process kv') };
}

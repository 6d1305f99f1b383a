import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { kvShardOfKey } from '../kv/kv-router.js';

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

/** The first key `k<i>` owned by `shard` of `shards`. */
export function keyOn(shard: number, shards: number): string {
  for (let i = 0; i < 10_000; i++) if (kvShardOfKey(Buffer.from(`k${i}`), shards) === shard) return `k${i}`;
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
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
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

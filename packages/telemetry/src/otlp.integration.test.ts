import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { SpanKind, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createRuntime } from '@shn/core-mailbox';
import type { Runtime } from '@shn/core-mailbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const system = new URL('../dist/fixtures/telemetry-system.js', import.meta.url);

interface OtlpSpan {
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly kind: number;
  readonly attributes: Array<{ key: string; value: { stringValue?: string } }>;
}

/** OTLP/HTTP JSON: resourceSpans[].scopeSpans[].spans[] (ids as hex in the JSON encoding). */
function spansOf(body: unknown): OtlpSpan[] {
  const rs = (body as { resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: OtlpSpan[] }> }> }).resourceSpans ?? [];
  return rs.flatMap((r) => (r.scopeSpans ?? []).flatMap((s) => s.spans ?? []));
}

describe('real OTLP/HTTP export from the main thread and the shards', () => {
  let server: Server;
  let url: string;
  let rt: Runtime;
  const received: OtlpSpan[] = [];
  const contentTypes = new Set<string>();
  let onSpans: () => void = () => undefined;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        contentTypes.add(String(req.headers['content-type']));
        if (req.url === '/v1/traces') received.push(...spansOf(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
        onSpans();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
    const main = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url }))] });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(main);
    rt = await createRuntime({ system, shards: 2, params: { traces: `otlp:${url}` } });
  });

  afterAll(async () => {
    await rt?.close();
    trace.disable();
    context.disable();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const until = (pred: () => boolean): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (pred()) resolve();
        else onSpans = check;
      };
      check();
    });

  it('the collector receives the connection span, both ask spans and a process span from each shard, linked', async () => {
    let k0 = '';
    let k1 = '';
    for (let i = 0; k0 === '' || k1 === ''; i++) {
      const s = rt.shardOf('kv', `otlp${i}`);
      if (s === 0 && k0 === '') k0 = `otlp${i}`;
      if (s === 1 && k1 === '') k1 = `otlp${i}`;
    }
    const root = await trace.getTracer('test').startActiveSpan('MSET', { kind: SpanKind.SERVER }, async (span) => {
      await Promise.all([rt.ask('kv', k0, 'set', 1), rt.ask('kv', k1, 'set', 2)]);
      span.end();
      return span.spanContext();
    });
    const ofTrace = () => received.filter((s) => s.traceId === root.traceId);
    await until(() => ofTrace().length >= 5);
    const spans = ofTrace();
    const asks = spans.filter((s) => s.name === 'ask kv');
    const processed = spans.filter((s) => s.name === 'process kv');
    expect(spans.filter((s) => s.name === 'MSET')).toHaveLength(1);
    expect(asks).toHaveLength(2);
    expect(processed).toHaveLength(2);
    for (const a of asks) expect(a.parentSpanId).toBe(root.spanId);
    for (const p of processed) expect(asks.map((a) => a.spanId)).toContain(p.parentSpanId);
    const partition = (s: OtlpSpan) => s.attributes.find((a) => a.key === 'messaging.destination.partition.id')?.value.stringValue;
    expect(processed.map(partition).sort()).toEqual(['0', '1']);
    expect([...contentTypes].every((t) => t.startsWith('application/json'))).toBe(true);
  });
});

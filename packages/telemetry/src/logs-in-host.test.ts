import { Writable } from 'node:stream';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ShnError, systemClock, systemRng, systemTimer } from '@shn/core';
import type { ActorRef, Envelope } from '@shn/core';
import { createActorHost } from '@shn/core-mailbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTelemetry } from './telemetry.js';

describe('pino lines from an actor running in the real actor host', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => context.disable());

  it('carry shard, actor, message id, and the trace and span of the process span', async () => {
    const chunks: string[] = [];
    const destination = new Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(c.toString('utf8'));
        cb();
      },
    });
    const t = createTelemetry({ tracing: { tracerProvider: provider }, logs: { level: 'info', destination } });
    const log = t.logger?.({ node: 'n1', shard: 3, clock: systemClock, timer: systemTimer, rng: systemRng });
    const refFor = (): ActorRef => {
      throw new ShnError('UNSUPPORTED', 'no remote refs here');
    };
    const host = createActorHost({
      node: 'n1',
      shard: 3,
      kinds: {
        greeter: {
          factory: () => ({
            receive(env: Envelope, ctx) {
              ctx.log.info('greeting', { to: env.body, authorization: 'Bearer nope' });
              return 'hi';
            },
          }),
        },
      },
      middleware: t.middleware,
      refFor,
      ...(log === undefined ? {} : { log }),
    });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const env: Envelope = { id: '0:77', to: { node: 'n1', shard: 3, actor: 'greeter/ann' }, type: 'greet', body: 'ann', headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } };
    const reply = await new Promise<unknown>((resolve, reject) => host.deliver(env, (err, result) => (err ? reject(err) : resolve(result))));
    expect(reply).toBe('hi');
    await host.shutdown();
    const lines = chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const line = lines.find((l) => l['msg'] === 'greeting');
    const span = exporter.getFinishedSpans().find((s) => s.name === 'process greeter');
    expect(span?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(line).toMatchObject({ shard: 3, node: 'n1', actor: 'greeter/ann', msg_id: '0:77', trace_id: traceId, span_id: span?.spanContext().spanId, to: 'ann', authorization: '[Redacted]' });
    expect(trace.getActiveSpan()).toBeUndefined();
  });
});

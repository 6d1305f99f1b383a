import { Writable } from 'node:stream';
import { compose } from '@shn/core';
import type { Envelope } from '@shn/core';
import { describe, expect, it } from 'vitest';
import { MessageScope, createMessageScopeMiddleware } from './message-scope.js';
import { createPinoLoggerFactory } from './pino-logger.js';
import { createTelemetry } from './telemetry.js';

function capture(): { stream: Writable; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const ctx = (shard: number) => ({ node: 'n1', shard, clock: { now: () => 1234, monotonic: () => 0 }, timer: { setTimeout: () => ({}), clearTimeout: () => undefined }, rng: { next: () => 0, int: () => 0 } });
const traceId = '0af7651916cd43dd8448eb211c80319c';
const env: Envelope = {
  id: '1:42',
  to: { node: 'n1', shard: 2, actor: 'kv/user:7' },
  type: 'set',
  body: null,
  headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01`, authorization: 'Bearer s3cret' },
};

describe('the pino logger slot', () => {
  it('every line inside receive carries shard, actor, message id and trace id', () => {
    const out = capture();
    const scope = new MessageScope();
    const log = createPinoLoggerFactory({ level: 'info', destination: out.stream, scope, clock: { now: () => 1234, monotonic: () => 0 } })(ctx(2));
    const receive = compose([createMessageScopeMiddleware(scope)], 'receive', () => {
      log.info('handling', { extra: 1 });
      return 'ok';
    });
    expect(receive(env)).toBe('ok');
    log.info('between messages');
    const [inside, outside] = out.lines();
    expect(inside).toMatchObject({ level: 30, time: 1234, node: 'n1', shard: 2, actor: 'kv/user:7', msg_id: '1:42', trace_id: traceId, span_id: 'b7ad6b7169203331', msg: 'handling', extra: 1 });
    expect(outside).toMatchObject({ shard: 2, msg: 'between messages' });
    expect(outside).not.toHaveProperty('msg_id');
  });

  it('a child bound to an actor is not given a second actor field; main thread is shard "main"', () => {
    const out = capture();
    const scope = new MessageScope();
    const log = createPinoLoggerFactory({ destination: out.stream, scope, env: {} })(ctx(-1));
    scope.current = env;
    log.child?.({ actor: 'bound/1' }).warn('w');
    const [line] = out.lines();
    expect(line).toMatchObject({ shard: 'main', actor: 'bound/1', level: 40 });
    expect(JSON.stringify(line).match(/"actor"/g)).toHaveLength(1);
  });

  it('redacts authorization headers and secret keys', () => {
    const out = capture();
    const log = createPinoLoggerFactory({ destination: out.stream, env: {} })(ctx(0));
    log.info('request', { headers: { ...env.headers }, authorization: 'Bearer x', apiKey: 'k-123', user: { password: 'p', name: 'ann' } });
    const text = JSON.stringify(out.lines()[0]);
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('k-123');
    expect(text).not.toContain('"p"');
    expect(text).toContain('ann');
    expect(text).toContain('[Redacted]');
  });

  it('takes the level from SHN_LOG_LEVEL, then LOG_LEVEL, and refuses a bad one at construction', () => {
    const out = capture();
    const log = createPinoLoggerFactory({ destination: out.stream, env: { LOG_LEVEL: 'info', SHN_LOG_LEVEL: 'warn' } })(ctx(0));
    log.info('dropped');
    log.warn('kept');
    expect(out.lines().map((l) => l['msg'])).toEqual(['kept']);
    expect(() => createPinoLoggerFactory({ env: { SHN_LOG_LEVEL: 'loud' } })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/SHN_LOG_LEVEL/) }));
    expect(() => createPinoLoggerFactory({ level: 'verbose' as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => createPinoLoggerFactory({ redact: [''] })).toThrow(/redact/);
  });
});

describe('createTelemetry options', () => {
  it('throws typed errors for bad options at construction', () => {
    for (const bad of [
      { metrics: 'yes' },
      { tracing: 3 },
      { metrics: { maxKinds: 0 } },
      { metrics: { buckets: [2, 1] } },
      { tracing: { roots: 'no' } },
      { tracing: { tracerProvider: {} } },
      { logs: { level: 'noisy' } },
    ]) {
      expect(() => createTelemetry(bad as never), JSON.stringify(bad)).toThrow(expect.objectContaining({ name: 'ShnError', code: 'INVALID_ARGUMENT' }));
    }
    expect(() => createTelemetry(null as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('assembles middleware, the two per-shard kinds and the logger slot', () => {
    const t = createTelemetry({ tracing: true, logs: { env: {} } });
    expect(t.middleware.map((m) => m.name)).toEqual(['shn.telemetry.scope', 'shn.telemetry.metrics', 'shn.telemetry.tracing']);
    expect(Object.keys(t.kinds).sort()).toEqual(['shn.telemetry', 'shn.telemetry.profiler']);
    expect(Object.values(t.kinds).every((k) => k.mode === 'per-shard')).toBe(true);
    expect(typeof t.logger).toBe('function');
    expect(createTelemetry({ metrics: false, logs: false }).middleware).toEqual([]);
  });
});

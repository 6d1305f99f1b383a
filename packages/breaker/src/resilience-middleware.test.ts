import { HEADERS, ShnError, compose } from '@shn/core';
import type { Envelope } from '@shn/core';
import { describe, expect, it } from 'vitest';
import { breakerGroup } from './breaker-group.js';
import { byKind, byNode, byNodeShard, byShard, crossShard } from './destination-keys.js';
import { fallbackPolicy } from './fallback.js';
import { pipeline, wrap } from './pipeline.js';
import { resilienceMiddleware } from './resilience-middleware.js';
import { retryPolicy } from './retry.js';
import { timeoutPolicy } from './timeout.js';
import { bulkheadPolicy } from './bulkhead.js';
import { VirtualTime } from './virtual-time.test-helper.js';

function env(shard: number, fields: Partial<Envelope> = {}): Envelope {
  return { id: `e${shard}`, to: { node: 'local', shard, actor: 'kv/k1' }, type: 'get', body: null, headers: {}, correlationId: '1', ...fields };
}

describe('resilienceMiddleware on ask', () => {
  it('keys breakers per destination; an open destination fails fast without reaching next; others pass', async () => {
    const group = breakerGroup({ consecutiveFailures: 2 });
    const mw = resilienceMiddleware({ policy: group, key: byShard });
    const reached: number[] = [];
    const ask = compose([mw], 'ask', (e: Envelope) => {
      reached.push(e.to.shard);
      return e.to.shard === 1 ? Promise.reject(new ShnError('SHARD_CRASHED', 'gone')) : Promise.resolve('ok');
    });
    await expect(ask(env(1))).rejects.toMatchObject({ code: 'SHARD_CRASHED' });
    await expect(ask(env(1))).rejects.toMatchObject({ code: 'SHARD_CRASHED' });
    const err = await ask(env(1)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CIRCUIT_OPEN', message: expect.stringContaining('shard:1') });
    await expect(ask(env(0))).resolves.toBe('ok');
    expect(reached).toEqual([1, 1, 0]);
    expect(group.snapshot().map((s) => `${s.destination}=${s.state}`)).toEqual(['shard:0=closed', 'shard:1=open']);
    group.close();
  });

  it('retries only asks marked with the retryable header, and writes a timeout’s tighter deadline into the envelope', async () => {
    const vt = new VirtualTime();
    const policy = pipeline(
      retryPolicy({ maxAttempts: 3, baseMs: 1, capMs: 1, timer: vt.timer, clock: vt.clock }),
      timeoutPolicy({ ms: 100, timer: vt.timer, clock: vt.clock }),
    );
    const mw = resilienceMiddleware({ policy });
    const seen: Envelope[] = [];
    const ask = compose([mw], 'ask', (e: Envelope) => {
      seen.push(e);
      return Promise.reject(new ShnError('MAILBOX_FULL', 'full'));
    });
    await expect(ask(env(0))).rejects.toMatchObject({ code: 'MAILBOX_FULL' });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.deadline).toBe(vt.clock.now() + 100);
    expect(seen[0]?.id).toBe('e0');
    const retried = ask(env(0, { headers: { [HEADERS.retryable]: '1' } })).catch((e: unknown) => e);
    await vt.advance(10);
    expect(await retried).toMatchObject({ code: 'MAILBOX_FULL' });
    expect(seen).toHaveLength(4);
    // An envelope deadline tighter than the timeout is kept as it is.
    const tight = env(0, { deadline: vt.clock.now() + 5 });
    await expect(ask(tight)).rejects.toMatchObject({ code: 'MAILBOX_FULL' });
    expect(seen.at(-1)).toBe(tight);
  });

  it('crossShard leaves same-shard asks unguarded; keys name shard, node, kind', async () => {
    const group = breakerGroup();
    const mw = resilienceMiddleware({ policy: group, key: crossShard(byShard) });
    const ask = compose([mw], 'ask', () => Promise.resolve(1));
    await ask(env(2, { from: { node: 'local', shard: 2, actor: 'kv/x' } }));
    expect(group.size).toBe(0);
    await ask(env(2, { from: { node: 'local', shard: 0, actor: 'kv/x' } }));
    await ask(env(3));
    expect(group.snapshot().map((s) => s.destination)).toEqual(['shard:2', 'shard:3']);
    const e = env(4, { to: { node: 'n1', shard: 4, actor: 'kv/k' } });
    expect([byShard(e), byNode(e), byKind(e), byNodeShard(e)]).toEqual(['shard:4', 'node:n1', 'kind:kv', 'n1#4']);
    group.close();
  });

  it('composes fallback → retry → breaker → timeout → bulkhead, with the documented order of effects', async () => {
    const vt = new VirtualTime();
    const breakers = breakerGroup({ clock: vt.clock, timer: vt.timer, consecutiveFailures: 3, openMs: 10_000 });
    const bulkheads = bulkheadPolicy({ maxConcurrent: 10, clock: vt.clock });
    const policy = pipeline(
      fallbackPolicy((error) => `fallback after ${(error as ShnError).code}`),
      retryPolicy({ maxAttempts: 5, baseMs: 1, capMs: 1, timer: vt.timer, clock: vt.clock }),
      breakers,
      timeoutPolicy({ ms: 50, timer: vt.timer, clock: vt.clock }),
      bulkheads,
    );
    let calls = 0;
    const flaky = wrap(
      () => {
        calls++;
        return new Promise(() => undefined); // never answers: each attempt times out
      },
      { policy, destination: 'db' },
    );
    const p = flaky();
    await vt.advance(1000);
    // Three timeouts trip the breaker; the 4th attempt meets CIRCUIT_OPEN (not retryable), the fallback answers.
    await expect(p).resolves.toBe('fallback after CIRCUIT_OPEN');
    expect(calls).toBe(3);
    expect(breakers.get('db').state).toBe('open');
    // A timed-out call is abandoned, not stopped: the three hung calls still hold their bulkhead slots.
    expect(bulkheads.peek('db')?.active).toBe(3);
    breakers.close();
  });

  it('refuses bad options', () => {
    expect(() => resilienceMiddleware({} as never)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => resilienceMiddleware({ policy: breakerGroup(), key: 'shard' as never })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => pipeline({} as never)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

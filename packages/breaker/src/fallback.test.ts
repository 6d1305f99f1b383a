import { ShnError, hasCode } from '@shn/core';
import { describe, expect, it } from 'vitest';
import { circuitBreaker } from './circuit-breaker.js';
import { fallbackPolicy } from './fallback.js';
import { callContext } from './policy.js';
import type { CallContext, Policy, PolicyNext } from './policy.js';
import { pipeline, wrap } from './pipeline.js';

describe('fallback', () => {
  it('answers for failures it is told to handle, and lets the others through', async () => {
    const f = fallbackPolicy((e, ctx) => `cached for ${ctx.destination} after ${(e as ShnError).code}`, { when: (e) => hasCode(e, 'CIRCUIT_OPEN') });
    const breaker = circuitBreaker('users-db');
    breaker.isolate();
    const policy = pipeline(f, breaker);
    await expect(policy.execute(callContext('users-db'), async () => 'fresh')).resolves.toBe('cached for users-db after CIRCUIT_OPEN');
    breaker.reset();
    await expect(policy.execute(callContext('users-db'), () => Promise.reject(new ShnError('ACTOR_FAILED', 'bug')))).rejects.toMatchObject({ code: 'ACTOR_FAILED' });
  });

  it('wrap passes the deadline and retryable flag it is given', async () => {
    const seen: CallContext[] = [];
    const probe: Policy = {
      name: 'probe',
      execute<T>(ctx: CallContext, next: PolicyNext<T>): Promise<T> {
        seen.push(ctx);
        return next(ctx);
      },
    };
    const f = wrap(async (x: number) => x * 2, { policy: probe, destination: 'd', retryable: false, deadlineOf: () => 1234 });
    expect(await f(21)).toBe(42);
    expect(seen).toEqual([{ destination: 'd', deadline: 1234, retryable: false, attempt: 0 }]);
    expect(() => fallbackPolicy(3 as never)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => wrap(3 as never, { policy: probe, destination: 'd' })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

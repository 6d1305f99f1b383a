import CircuitBreaker from 'opossum';
import { describe, expect, it } from 'vitest';
import { fromOpossum, opossumState } from './opossum-adapter.js';
import { callContext } from './policy.js';

describe('fromOpossum: an existing opossum breaker as a policy', () => {
  it('guards calls; its refusals become CIRCUIT_OPEN naming the destination, the call’s errors pass through', async () => {
    const breaker = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
      timeout: false,
      errorThresholdPercentage: 50,
      volumeThreshold: 2,
      resetTimeout: 60_000,
      name: 'payments',
    });
    try {
      const policy = fromOpossum(breaker);
      const ctx = callContext('payments-api');
      await expect(policy.execute(ctx, async () => 'ok')).resolves.toBe('ok');
      const cause = new Error('500');
      await expect(policy.execute(ctx, () => Promise.reject(cause))).rejects.toBe(cause);
      await expect(policy.execute(ctx, () => Promise.reject(new Error('500')))).rejects.toThrow('500');
      expect(opossumState(breaker)).toBe('open');
      let called = false;
      const err = await policy
        .execute(ctx, async () => {
          called = true;
        })
        .catch((e: unknown) => e);
      expect(called).toBe(false);
      expect(err).toMatchObject({ code: 'CIRCUIT_OPEN', details: { destination: 'payments-api', opossumCode: 'EOPENBREAKER' } });
    } finally {
      breaker.shutdown();
    }
  });

  it('maps opossum timeouts to TIMEOUT', async () => {
    const breaker = new CircuitBreaker((call: () => Promise<unknown>) => call(), { timeout: 5, resetTimeout: 60_000 });
    try {
      const err = await fromOpossum(breaker)
        .execute(callContext('slow'), () => new Promise((r) => setTimeout(r, 200)))
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'TIMEOUT', details: { destination: 'slow' } });
    } finally {
      breaker.shutdown();
    }
  });

  it('refuses something that is not an opossum breaker', () => {
    expect(() => fromOpossum({} as never)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

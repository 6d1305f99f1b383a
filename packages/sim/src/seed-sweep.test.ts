import { describe, expect, it } from 'vitest';
import { registerBuiltinScenarios } from './builtin-scenarios.js';
import { sweepSeeds } from './seed-sweep.js';

describe('sweepSeeds', () => {
  it('forks the built worker even when running from TypeScript sources, and the workers load the host module', async () => {
    registerBuiltinScenarios();
    const outcomes = await sweepSeeds({ scenario: 'counter', from: 5, seeds: 4, workers: 2, host: '@shn/core-mailbox' });
    expect(outcomes.map((o) => o.seed)).toEqual([5, 6, 7, 8]);
    expect(outcomes.every((o) => o.ok)).toBe(true);
  });

  it('in one process loads the host module itself; without one it reports the missing host', async () => {
    registerBuiltinScenarios();
    const [one] = await sweepSeeds({ scenario: 'counter', from: 0, seeds: 1, workers: 1, host: '@shn/core-mailbox' });
    expect(one?.ok).toBe(true);
    await expect(sweepSeeds({ scenario: 'counter', from: 0, seeds: 1, workers: 1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/needs an actor host/) });
    await expect(sweepSeeds({ scenario: 'counter', from: 0, seeds: 1, workers: 1, host: '@shn/no-such-host' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/cannot import actor host module @shn\/no-such-host/) });
  });
});

/**
 * Raft under @shn/sim with the production actor host (the scenario is in
 * raft-sim.test-helper.ts): 5 nodes with membership churn, the first half of the seeds;
 * raft-sim-5b.test.ts runs the rest in another vitest worker.
 */
import { describe } from 'vitest';
import { SEEDS, seedRangeTest } from './raft-sim.test-helper.js';

describe('raft under @shn/sim, in the production actor host: 5 nodes with churn (first half)', () => {
  seedRangeTest(5, true, 1, Math.ceil(SEEDS / 2));
});

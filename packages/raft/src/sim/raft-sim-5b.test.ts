/**
 * Raft under @shn/sim with the production actor host (the scenario is in
 * raft-sim.test-helper.ts): 5 nodes with membership churn, the second half of the seeds;
 * raft-sim-5a.test.ts runs the first.
 */
import { describe } from 'vitest';
import { SEEDS, seedRangeTest } from './raft-sim.test-helper.js';

describe('raft under @shn/sim, in the production actor host: 5 nodes with churn (second half)', () => {
  seedRangeTest(5, true, Math.ceil(SEEDS / 2) + 1, SEEDS);
});

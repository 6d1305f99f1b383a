/**
 * Raft under @shn/sim with the production actor host (the scenario is in
 * raft-sim.test-helper.ts): 3 nodes, every seed, and the determinism check.
 */
import { describe, expect, it } from 'vitest';
import { SEEDS, checkDeterminismOf, seedRangeTest } from './raft-sim.test-helper.js';

describe('raft under @shn/sim, in the production actor host: 3 nodes', () => {
  seedRangeTest(3, false, 1, SEEDS);

  it('a run is deterministic: the same seed gives a byte-identical event log', async () => {
    const report = await checkDeterminismOf(3, false, 7);
    expect(report.deterministic).toBe(true);
  });
});

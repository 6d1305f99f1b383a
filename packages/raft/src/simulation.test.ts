import { checkEvents, createKvModel } from '@shn/sim';
import { describe, expect, it } from 'vitest';
import { SimCluster } from './cluster.test-helper.js';

/** Seeds per configuration in the test suite; `RAFT_SEEDS` raises it (scripts/raft-soak.sh runs 100 000). */
const SEEDS = Number(process.env['RAFT_SEEDS'] ?? 1000);
const FIRST = Number(process.env['RAFT_FIRST_SEED'] ?? 1);

const FAULTS = {
  drop: 0.05,
  duplicate: 0.03,
  maxDelay: 4,
  crash: 0.004,
  restart: 0.05,
  partition: 0.01,
  pause: 0.005,
};

const totals = { crashes: 0, restarts: 0, dropped: 0, duplicated: 0, snapshotsInstalled: 0, confChanges: 0, partitions: 0, pauses: 0 };

function runSeed(size: number, seed: number, churn: boolean): void {
  const c = new SimCluster({ size, seed, faults: { ...FAULTS, churn: churn ? 0.01 : 0 }, snapshotEvery: 20 });
  c.addClients(3);
  c.run(400, { keys: 3 });
  c.calm();
  c.run(60, { keys: 3 });
  const took = c.converge(300);
  if (took === undefined) throw new Error(`seed ${seed} (${size} nodes): no leader committed within 300 steps after healing`);
  c.checkLogMatching();
  const verdict = checkEvents(createKvModel({ missing: '' }), c.history, { timeoutMs: 20_000 });
  if (verdict.outcome === 'illegal') throw new Error(`seed ${seed} (${size} nodes): not linearizable\n${verdict.explanation}`);
  if (verdict.outcome === 'unknown') throw new Error(`seed ${seed} (${size} nodes): linearizability undecided: ${verdict.reason}`);
  for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += c.stats[k];
}

describe('simulated faults: safety, linearizability and liveness', () => {
  it(`3 nodes × ${SEEDS} seeds (loss, duplication, reordering, partitions, crashes at every Ready step, pauses)`, () => {
    for (let seed = FIRST; seed < FIRST + SEEDS; seed++) runSeed(3, seed, false);
  }, 600_000);

  it(`5 nodes × ${SEEDS} seeds, with membership churn`, () => {
    for (let seed = FIRST; seed < FIRST + SEEDS; seed++) runSeed(5, seed, true);
  }, 600_000);

  it('every kind of fault was exercised by the seeds above (the checks could have failed)', () => {
    for (const [k, v] of Object.entries(totals)) expect(v, k).toBeGreaterThan(0);
  });

  it('the history is not trivially short', () => {
    const c = new SimCluster({ size: 3, seed: 7, faults: FAULTS });
    c.addClients(3);
    c.run(400);
    const returns = c.history.filter((e) => e.kind === 'return').length;
    expect(returns).toBeGreaterThan(50);
  });
});

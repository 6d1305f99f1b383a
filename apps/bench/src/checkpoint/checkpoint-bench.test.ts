import { describe, expect, it } from 'vitest';
import { collectMachineInfo } from '../harness/machine-info.js';
import { runCheckpointBench } from './checkpoint-bench.js';

describe('checkpoint bench (smoke, shape only)', () => {
  it('measures every figure and ratio in one quick run', async () => {
    const result = (await runCheckpointBench({ quick: true, repeats: 1, count: 20 })).build(collectMachineInfo());
    const ids = new Set(result.figures.map((f) => f.id));
    for (const id of ['checkpoint.write', 'raw.write', 'size.full', 'size.incremental', 'migration.pre-copy.p50', 'migration.pre-copy.p99', 'migration.stop-and-copy.p50', 'migration.stop-and-copy.p99', 'events.memory.append', 'events.memory.replay', 'events.sqlite.append', 'events.sqlite.replay']) {
      expect(ids.has(id), id).toBe(true);
    }
    // PostgreSQL is measured when reachable, otherwise reported as skipped (never silently absent).
    expect(ids.has('events.postgres.append') || result.skipped.some((s) => s.id === 'events.postgres')).toBe(true);
    const ratios = new Map(result.ratios.map((r) => [r.id, r]));
    for (const id of ['checkpoint-vs-raw-write', 'incremental-vs-full-size', 'migration-pause-p50', 'migration-pause-p99']) {
      expect(ratios.get(id)?.goal, id).toBeDefined();
      expect(Number.isFinite(ratios.get(id)?.value), id).toBe(true);
    }
    for (const f of result.figures) for (const s of f.samples) expect(Number.isFinite(s) && s > 0, f.id).toBe(true);
  }, 60_000);
});

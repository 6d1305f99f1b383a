import { collectMachineInfo } from '../harness/machine-info.js';
import { checkOperations, kvModel } from '@shn/sim';
import { describe, expect, it } from 'vitest';
import { kvWorkloadHistory } from './kv-workload-history.js';
import { runLincheckBench } from './lincheck-bench.js';

describe('lincheck bench', () => {
  it('generates deterministic, linearizable, overlapping kv histories', () => {
    const a = kvWorkloadHistory({ ops: 500, keys: 10, clients: 8, seed: 3 });
    expect(a).toEqual(kvWorkloadHistory({ ops: 500, keys: 10, clients: 8, seed: 3 }));
    expect(a).toHaveLength(500);
    expect(checkOperations(kvModel, a)).toEqual({ outcome: 'ok' });
    const overlapping = a.filter((o, i) => i > 0 && o.call < (a[i - 1]?.return ?? 0)).length;
    expect(overlapping).toBeGreaterThan(100);
  });

  it('--quick produces both figures and the ratio (shape only, not timings)', async () => {
    const builder = await runLincheckBench({ quick: true, count: 300, log: () => {} });
    const r = builder.build(collectMachineInfo());
    expect(r.name).toBe('lincheck');
    expect(r.quick).toBe(true);
    expect(r.figures.map((f) => f.id)).toEqual(['partitioned', 'unpartitioned']);
    for (const f of r.figures) {
      expect(f.unit).toBe('s');
      expect(f.samples.length).toBe(1);
      expect(f.median).toBeGreaterThan(0);
      expect(f.median).toBeLessThanOrEqual(2.5);
    }
    expect(r.ratios.map((x) => x.id)).toEqual(['speedup']);
    expect(r.notes.some((n) => n.startsWith('history: 300 operations, 100 keys'))).toBe(true);
  });
});

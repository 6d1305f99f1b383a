import { describe, expect, it } from 'vitest';
import { collectMachineInfo } from '../harness/machine-info.js';
import { runBreakerBench } from './breaker-bench.js';

describe('breaker bench', () => {
  it('--quick measures every contender and the ratios in one run (shape only, not timings)', async () => {
    const builder = await runBreakerBench({ quick: true, count: 200, log: () => {} });
    const r = builder.build(collectMachineInfo());
    expect(r.name).toBe('breaker');
    const ids = r.figures.map((f) => f.id);
    for (const c of ['bare', 'shn.mw', 'shn.run', 'opossum', 'opossum.noTimeout', 'shn.mw.timeout']) {
      expect(ids).toContain(`${c}.rate`);
      expect(ids).toContain(`${c}.p50`);
    }
    expect(ids).toContain('shn.mw.added');
    for (const f of r.figures.filter((x) => x.unit === 'ops/s')) expect(f.median).toBeGreaterThan(0);
    expect(r.ratios.map((x) => x.id)).toEqual(['mw.vs.opossum', 'mwTimeout.vs.opossumDefaults', 'mw.vs.bare', 'run.vs.bare', 'runtime.guarded.vs.bare']);
    for (const c of ['runtime.bare', 'runtime.guarded']) expect(ids).toContain(`${c}.p50`);
    const timers = r.notes.find((n) => n.startsWith('timers left armed'));
    const m = /@shn\/breaker group (\d+), opossum \(one breaker each, timeout: false\) (\d+)$/.exec(timers ?? '');
    expect(Number(m?.[1])).toBe(1);
    expect(Number(m?.[2])).toBeGreaterThanOrEqual(1000); // opossum arms at least one rotation timer per breaker
  });
});

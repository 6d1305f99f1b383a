import { describe, expect, it } from 'vitest';
import { runBalanceBench } from './balance-bench.js';

describe('runBalanceBench (quick)', () => {
  it('reports p50, p99 and throughput for the four balancers in both scenarios, and stealing against none, simulated and on the real runtime', async () => {
    const result = (await runBalanceBench({ quick: true, count: 1500, runtimeMs: 400 })).build({
      node: process.version,
      platform: 'test',
      arch: 'test',
      cpus: 1,
      cpuModel: 'test',
      totalMemoryBytes: 1,
      date: new Date(0).toISOString(),
      gitCommit: 'unknown',
      gitDirty: false,
    });
    const ids = new Set(result.figures.map((f) => f.id));
    for (const scenario of ['equal', 'slow']) {
      for (const b of ['rr', 'll', 'p2c', 'jsq']) for (const m of ['p50', 'p99', 'tput']) expect(ids.has(`${scenario}.${b}.${m}`)).toBe(true);
    }
    for (const id of ['steal', 'nosteal', 'mild.steal', 'mild.nosteal']) for (const m of ['p50', 'p99', 'tput']) expect(ids.has(`${id}.${m}`)).toBe(true);
    for (const b of ['rr', 'll', 'p2c', 'jsq', 'steal', 'nosteal']) for (const m of ['p50', 'p99', 'tput']) expect(ids.has(`rt.${b}.${m}`)).toBe(true);
    expect(ids.has('rt.capacity')).toBe(true);
    for (const f of result.figures) for (const s of f.samples) expect(Number.isFinite(s) && s > 0).toBe(true);
    expect(result.ratios.map((r) => r.id)).toContain('steal.tput');
    for (const id of ['rt.p99.rr/jsq', 'rt.p99.rr/p2c', 'rt.steal.p99', 'rt.steal.tput']) expect(result.ratios.map((r) => r.id)).toContain(id);
  });
});

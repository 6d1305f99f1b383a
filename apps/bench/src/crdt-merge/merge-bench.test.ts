import { describe, expect, it } from 'vitest';
import { ResultBuilder } from '../harness/result-builder.js';
import { runCrdtMergeFigures } from './index.js';

describe('crdt-merge bench (quick mode)', () => {
  it('adds OR-Set and PN-Counter figures, baselines and ratios with sane shapes', async () => {
    const rb = new ResultBuilder('crdt', true, {});
    await runCrdtMergeFigures(rb, { quick: true });
    const result = rb.build({} as never);
    const ids = result.figures.map((f) => f.id).sort();
    expect(ids).toEqual(['crdt.orset.merge', 'crdt.pncounter.merge', 'naive.orset.merge', 'naive.pncounter.merge']);
    for (const f of result.figures) {
      expect(f.samples).toHaveLength(2);
      expect(f.median).toBeGreaterThan(0);
      expect(f.note).toMatch(/merged state \d+ B/);
    }
    expect(result.ratios.map((r) => r.id).sort()).toEqual(['orset.merge.vs.naive', 'pncounter.merge.vs.naive']);
    expect(result.notes.some((n) => /OR-Set \d+ B/.test(n))).toBe(true);
  });
});

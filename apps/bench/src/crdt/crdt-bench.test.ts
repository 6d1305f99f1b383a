/**
 * Smoke test of `pnpm bench crdt --quick`: a 2 000-edit prefix of automerge-paper, one fresh
 * child process per library, checking the result's shape (never timings). Needs `pnpm build`
 * (the children run the built dist/crdt/crdt-child.js).
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { automergePaperTrace, runCrdtBench } from './crdt-bench.js';
import { collectMachineInfo } from '../harness/machine-info.js';

const present = existsSync(automergePaperTrace);
if (!present && process.env.CI) throw new Error(`editing trace missing at ${automergePaperTrace} (required when CI is set)`);
if (!present) console.warn(`skipping crdt bench smoke test: ${automergePaperTrace} not found`);

describe.skipIf(!present)('crdt bench --quick', () => {
  it('reports apply time, size, load time and memory for @shn/crdt, Yjs and Automerge, with ratios vs Yjs', async () => {
    const builder = await runCrdtBench({ quick: true, edits: 2_000, log: () => {} });
    const r = builder.build(collectMachineInfo());
    expect(r.name).toBe('crdt');
    expect(r.quick).toBe(true);
    expect(r.skipped).toEqual([]);
    for (const lib of ['shn', 'yjs', 'automerge']) {
      for (const metric of ['apply', 'bytes', 'load', 'heap']) {
        const f = r.figures.find((x) => x.id === `${lib}.${metric}`);
        expect(f, `${lib}.${metric}`).toBeDefined();
        expect(f!.samples).toHaveLength(1);
        expect(Number.isFinite(f!.median)).toBe(true);
      }
      expect(builder.figure(`${lib}.bytes`)!.median).toBeGreaterThan(0);
    }
    const ids = r.ratios.map((x) => x.id);
    expect(ids).toEqual(expect.arrayContaining(['apply.vsYjs', 'bytes.vsYjs', 'load.vsYjs', 'heap.vsYjs']));
    for (const x of r.ratios.filter((y) => y.id.endsWith('vsYjs'))) expect(typeof x.met).toBe('boolean');
  }, 60_000);
});

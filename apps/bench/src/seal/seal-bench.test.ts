import { describe, expect, it } from 'vitest';
import { collectMachineInfo } from '../harness/machine-info.js';
import { runSealBench } from './seal-bench.js';

describe('seal bench (smoke: shape only, never timings)', () => {
  it('measures both AEADs against node:crypto on the same data and reports every ratio', async () => {
    const result = (await runSealBench({ quick: true, count: 10, log: () => undefined })).build(collectMachineInfo());
    expect(result.name).toBe('seal');
    const ids = result.ratios.map((r) => r.id);
    for (const alg of ['aes', 'chacha']) for (const size of ['1k', '64k']) expect(ids).toEqual(expect.arrayContaining([`seal-${alg}-${size}`, `open-${alg}-${size}`, `envelope-${alg}-${size}`]));
    for (const r of result.ratios) expect(r.value).toBeGreaterThan(0);
    expect(result.figures.every((f) => f.unit === 'MB/s')).toBe(true);
  });
});

/**
 * Smoke test of `pnpm bench telemetry --quick` through the built CLI: the results files exist
 * and carry every setting's figures, the two goal ratios and the shn-kv hook; never timings.
 * Needs `pnpm build` first (turbo's test task depends on build).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchRoot } from '../harness/paths.js';
import type { BenchResult } from '../harness/result-types.js';
import type * as TelemetryBenchModule from './telemetry-bench.js';

const cli = path.join(benchRoot, 'dist', 'cli.js');
let outDir = '';

beforeAll(async () => {
  outDir = await mkdtemp(path.join(os.tmpdir(), 'shn-bench-telemetry-'));
});
afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

describe('pnpm bench telemetry --quick', () => {
  it('refuses a processes count that is not a positive integer, before it starts anything', async () => {
    const { runTelemetryBench } = (await import(pathToFileURL(path.join(benchRoot, 'dist', 'telemetry', 'telemetry-bench.js')).href)) as typeof TelemetryBenchModule;
    for (const processes of [0, -1, 1.5, Number.NaN]) {
      await expect(runTelemetryBench({ quick: true, processes, log: () => undefined })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
  });

  it('writes telemetry.quick.json and .md with every setting, the goal ratios and the kv hook', async () => {
    const code = await new Promise<number | null>((resolve, reject) => {
      // Ended (SIGTERM) if it outlasts the test, so its shn-kv servers go with it.
      const child = spawn(process.execPath, [cli, 'telemetry', '--quick', '--count', '500', '--out', outDir], { stdio: ['ignore', 'ignore', 'pipe'], signal: AbortSignal.timeout(110_000) });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.once('error', reject);
      child.once('close', (c) => (c === 0 ? resolve(c) : reject(new Error(`exit ${String(c)}: ${stderr}`))));
    });
    expect(code).toBe(0);
    const json = JSON.parse(await readFile(path.join(outDir, 'telemetry.quick.json'), 'utf8')) as BenchResult;
    const md = await readFile(path.join(outDir, 'telemetry.quick.md'), 'utf8');
    expect(json.name).toBe('telemetry');
    const ids = json.figures.map((f) => f.id).sort();
    for (const s of ['off', 'metrics', 'tracing', 'tracing-sdk', 'tracing-check', 'tracing-unrecorded']) {
      expect(ids).toContain(`runtime.${s}.tell`);
      expect(ids).toContain(`runtime.${s}.ask.p50`);
    }
    const goals = json.ratios.filter((r) => r.goal !== undefined).map((r) => [r.id, r.goal]);
    const kvSkipped = json.skipped.some((s) => s.id === 'kv');
    expect(json.ratios.map((r) => r.id)).toEqual(expect.arrayContaining(['split.check.tell', 'split.unrecorded.tell', 'split.tracing.tell']));
    expect(goals).toEqual([
      ['metrics.tell', '>= 0.95'],
      ['tracing.tell', '>= 0.9'],
      ...(kvSkipped
        ? []
        : [
            ['kv.metrics.SET', '>= 0.95'],
            ['kv.tracing.SET', '>= 0.9'],
            ['kv.metrics.GET', '>= 0.95'],
            ['kv.tracing.GET', '>= 0.9'],
          ]),
    ]);
    // shn-kv in the three settings (skipped, saying why, only without redis-benchmark or a built demo).
    if (!kvSkipped) for (const s of ['off', 'metrics', 'tracing']) for (const t of ['SET', 'GET']) expect(ids).toContain(`kv.${s}.${t}`);
    expect(md).toContain('shn-kv');
  }, 120_000);
});

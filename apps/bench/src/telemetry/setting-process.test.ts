/**
 * The telemetry bench's setting processes, through the built module (a forked child runs
 * JavaScript, so this needs `pnpm build` first, as turbo's test task does): a real child with a
 * real one-shard runtime answers tell and ask measurements; a bad setting is a typed error, and a
 * child that dies fails its request rather than hanging it. Never timings.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isShnError } from '@shn/core';
import { describe, expect, it } from 'vitest';
import { benchRoot } from '../harness/paths.js';
import type * as SettingProcessModule from './setting-process.js';

const built = pathToFileURL(path.join(benchRoot, 'dist', 'telemetry', 'setting-process.js')).href;
const load = () => import(built) as Promise<typeof SettingProcessModule>;

describe('SettingProcess', () => {
  it('measures tells and asks in a child of its own, then closes it', async () => {
    const { SettingProcess } = await load();
    const p = await SettingProcess.start('metrics');
    try {
      const rate = await p.tell({ count: 300 });
      expect(rate).toBeGreaterThan(0);
      expect(Number.isFinite(rate)).toBe(true);
      const lat = await p.ask(20);
      expect(lat.count).toBe(20);
      expect(lat.p50Us).toBeGreaterThan(0);
      expect(lat.p99Us).toBeGreaterThanOrEqual(lat.p50Us);
    } finally {
      await p.close();
    }
    // Closed: a request now fails with a typed error, and closing again is a no-op.
    await expect(p.tell({ count: 1 })).rejects.toSatisfy((e: unknown) => isShnError(e) && e.code === 'RUNTIME_FAILED');
    await p.close();
  }, 60_000);

  it('rejects an unknown setting with a typed error naming the settings', async () => {
    const { SettingProcess } = await load();
    const err: unknown = await SettingProcess.start('bogus' as never).catch((e: unknown) => e);
    expect(isShnError(err) && err.code).toBe('INTERNAL');
    expect(String((err as Error).message)).toMatch(/INVALID_ARGUMENT.*off\|metrics/);
  }, 60_000);

  it('fails a bad measurement request with the error of the child, which keeps serving', async () => {
    const { SettingProcess } = await load();
    const p = await SettingProcess.start('off');
    try {
      const err: unknown = await p.tell({ count: -1 }).catch((e: unknown) => e);
      expect(isShnError(err) && err.code).toBe('INTERNAL');
      expect(String((err as Error).message)).toMatch(/INVALID_ARGUMENT: count must be a positive safe integer/);
      expect(await p.tell({ count: 50 })).toBeGreaterThan(0);
    } finally {
      await p.close();
    }
  }, 60_000);

  it('ends the child, runtime closed, when its parent goes away', async () => {
    const child = fork(fileURLToPath(built), ['off'], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    const [ready] = (await once(child, 'message')) as [{ type: string }];
    expect(ready.type).toBe('ready');
    const exited = once(child, 'exit');
    child.disconnect();
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
  }, 60_000);
});

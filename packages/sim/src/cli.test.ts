import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(pkg, 'dist', 'cli.js');

/** Runs the built CLI; the worker processes it forks need compiled JavaScript. */
function sim(args: string[]): { code: number; out: string } {
  const r = spawnSync(process.execPath, [cli, '--host', '@shn/core-mailbox', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe('the shn-sim CLI (built dist/)', () => {
  beforeAll(() => {
    // turbo builds dependencies, not this package, before its tests: build it if it is missing.
    if (!existsSync(cli)) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: pkg, stdio: 'ignore' });
  }, 120_000);

  it('sweeps seeds in 2 worker processes and exits 0 when all pass', () => {
    const r = sim(['counter', '--seeds', '20', '--from', '100', '--workers', '2']);
    expect(r.out).toContain('counter: 20 seeds from 100, 0 failed, 20 passed');
    expect(r.code).toBe(0);
  });

  it('prints each failing seed with its replay command and exits 1', () => {
    const r = sim(['register-stale-reads', '--seeds', '10', '--workers', '2']);
    expect(r.code).toBe(1);
    const failing = [...r.out.matchAll(/^FAIL seed (\d+): check at step \d+/gm)].map((m) => Number(m[1]));
    expect(failing.length).toBeGreaterThan(0);
    for (const s of failing) expect(r.out).toContain(`  replay: pnpm sim register-stale-reads --replay ${s}`);
    // The replay reproduces the same failure, and a recording of it verifies.
    const dir = mkdtempSync(join(tmpdir(), 'shn-sim-'));
    try {
      const file = join(dir, 'run.jsonl');
      const replay = sim(['register-stale-reads', '--replay', String(failing[0]), '--record', file]);
      expect(replay.code).toBe(1);
      expect(replay.out).toMatch(new RegExp(`seed ${failing[0]} FAILED: check at step`));
      expect(readFileSync(file, 'utf8').split('\n')[0]).toContain('"scenario":"register-stale-reads"');
      const verify = sim(['register-stale-reads', '--verify', file]);
      expect(verify.out).toMatch(/^reproduced: seed \d+, \d+ lines identical/m);
      expect(verify.code).toBe(0);
      const travel = sim(['register-stale-reads', '--replay', String(failing[0]), '--until-step', '25']);
      expect(travel.out).toMatch(/stopped after step 25 at t=/);
      expect(travel.out.split('\n').filter((l) => /^\d+ \d+\.\d{3} /.test(l)).every((l) => Number(l.split(' ')[0]) <= 25)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 with the usage for bad arguments and unknown scenarios', () => {
    for (const args of [['counter', '--seeds', 'many'], ['no-such-scenario'], []]) {
      const r = sim(args);
      expect(r.code, args.join(' ')).toBe(2);
    }
    expect(sim(['--list']).out).toMatch(/register-stale-reads/);
    // The CLI has no host of its own (the package does not depend on one): without --host it says how to give one.
    const bare = spawnSync(process.execPath, [cli, 'counter', '--seeds', '1', '--workers', '1'], { encoding: 'utf8', timeout: 60_000 });
    expect(bare.status).toBe(2);
    expect(bare.stderr).toMatch(/needs an actor host.*--host <module>/);
    const wrong = spawnSync(process.execPath, [cli, 'counter', '--seeds', '1', '--host', './no-such-host.js'], { encoding: 'utf8', timeout: 60_000 });
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/cannot import actor host module \.\/no-such-host\.js/);
  });
});

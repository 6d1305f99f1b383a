/**
 * Smoke test of the benches as CI runs them: `mailbox --quick` (and `kv --quick` when the
 * Redis tools exist) through the built CLI, checking the results files' shape, never timings.
 * Needs `pnpm build` first (turbo's test task depends on build).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchRoot } from './harness/paths.js';
import type { BenchResult } from './harness/result-types.js';
import { hasExecutable } from './kv/redis-tools.js';
import { shnKvMain } from './kv/kv-bench.js';
import { pingOnce } from './kv/server-process.js';

const cli = path.join(benchRoot, 'dist', 'cli.js');
let outDir = '';

beforeAll(async () => {
  outDir = await mkdtemp(path.join(os.tmpdir(), 'shn-bench-test-'));
});
afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function readResult(name: string): Promise<{ json: BenchResult; md: string }> {
  const json = JSON.parse(await readFile(path.join(outDir, `${name}.quick.json`), 'utf8')) as BenchResult;
  const md = await readFile(path.join(outDir, `${name}.quick.md`), 'utf8');
  return { json, md };
}

function expectWellFormed(r: BenchResult, md: string, name: string): void {
  expect(r.name).toBe(name);
  expect(r.quick).toBe(true);
  expect(r.machine.node).toBe(process.version);
  expect(r.machine.cpus).toBeGreaterThan(0);
  expect(Number.isNaN(Date.parse(r.machine.date))).toBe(false);
  expect(r.machine.gitCommit).toMatch(/^([0-9a-f]{40}|unknown)$/);
  for (const f of r.figures) {
    expect(f.samples.length).toBeGreaterThan(0);
    for (const s of f.samples) expect(Number.isFinite(s) && s > 0).toBe(true);
    expect(f.min).toBeLessThanOrEqual(f.median);
    expect(f.median).toBeLessThanOrEqual(f.max);
    expect(md).toContain(`| ${f.subject} | ${f.metric} |`);
  }
  const ids = new Set(r.figures.map((f) => f.id));
  for (const ratio of r.ratios) {
    expect(ids.has(ratio.numerator) && ids.has(ratio.denominator)).toBe(true);
    const n = r.figures.find((f) => f.id === ratio.numerator)?.median as number;
    const d = r.figures.find((f) => f.id === ratio.denominator)?.median as number;
    expect(ratio.value).toBeCloseTo(n / d, 9);
    expect(md).toContain(`| ${ratio.label} |`);
  }
  for (const s of r.skipped) expect(md).toContain(`\`${s.id}\``);
}

describe('bench CLI', () => {
  it('is built (run pnpm build first)', () => {
    expect(existsSync(cli), `${cli} missing: run pnpm build in apps/bench`).toBe(true);
  });

  it('rejects an unknown bench name with exit code 2 and the usage', async () => {
    const r = await runCli(['nope', '--out', outDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage: pnpm bench');
  });

  it('mailbox --quick writes results with every contender that is available', async () => {
    const run = await runCli(['mailbox', '--quick', '--out', outDir]);
    expect(run.code, run.stderr).toBe(0);
    const { json, md } = await readResult('mailbox');
    expectWellFormed(json, md, 'mailbox');
    const ids = json.figures.map((f) => f.id);
    expect(ids).toEqual(expect.arrayContaining(['postMessage.oneWay', 'postMessage.rtt.p50', 'postMessage.rtt.p99', 'piscina.pipelined', 'piscina.rtt.p50', 'piscina.rtt.p99']));
    expect(json.skipped).toEqual([]);
    expect(ids).toEqual(expect.arrayContaining(['ring.oneWay', 'ring.rtt.p50', 'ring.rtt.p99', 'runtime.oneWay', 'runtime.rtt.p50', 'runtime.rtt.p99']));
    expect(json.ratios.map((r) => r.id)).toEqual(expect.arrayContaining(['ring/postMessage.oneWay', 'ring/postMessage.rtt.p50', 'runtime/postMessage.oneWay']));
    expect(json.ratios.find((r) => r.id === 'ring/postMessage.oneWay')?.goal).toBe('>= 10');
    expect(run.stdout).toContain('| subject | metric | median |');
  }, 60_000);

  const redisTools = hasExecutable('redis-benchmark') && hasExecutable('redis-server');
  if (!redisTools) {
    const message = 'redis-benchmark/redis-server not installed (apt-get install -y redis-tools redis-server): kv bench not checked';
    if (process.env.CI) {
      it('kv --quick needs the Redis tools in CI', () => {
        expect.fail(message);
      });
    } else {
      console.warn(`SKIP: ${message}`);
    }
  }

  it.skipIf(!redisTools)('kv --quick measures redis (and shn-kv when built) and stops the servers it started', async () => {
    const run = await runCli(['kv', '--quick', '--out', outDir]);
    expect(run.code, run.stderr).toBe(0);
    const { json, md } = await readResult('kv');
    expectWellFormed(json, md, 'kv');
    const ids = json.figures.map((f) => f.id);
    const self = `node${process.versions.node.split('.')[0]}`;
    expect(ids).toEqual(expect.arrayContaining([`${self}.redis.P1.d3.SET`, `${self}.redis.P16.d1024.MSET`, `${self}.bare-node.P1.d3.GET`, `${self}.redis.hot.P16.d3.INCR`]));
    if (existsSync(shnKvMain)) {
      // shn-kv is built, so it must have been measured in gateway mode: a skip of it means it broke under redis-benchmark.
      expect(json.skipped.filter((s) => s.id.includes('gateway')), JSON.stringify(json.skipped)).toEqual([]);
      expect(ids).toEqual(expect.arrayContaining([`${self}.shn-kv-gateway.P1.d3.SET`, `${self}.shn-kv-gateway.P16.d1024.GET`, `${self}.shn-kv-gateway.hot.P16.d3.SET`]));
      expect(json.ratios.map((r) => r.id)).toEqual(expect.arrayContaining([`${self}.gateway/bare.P1.d3.SET`, `${self}.gateway/redis.P16.d3.GET`, 'no-error-replies']));
      expect(json.ratios.find((r) => r.id === 'no-error-replies')?.met).toBe(true);
      // The TLS row: shn-kv's TLS port against redis-server's (needs the openssl CLI for certificates).
      if (hasExecutable('openssl')) {
        expect(json.skipped.filter((s) => s.id.startsWith('tls')), JSON.stringify(json.skipped)).toEqual([]);
        expect(ids).toEqual(expect.arrayContaining(['tls.redis.P1.d3.SET', 'tls.shn-kv.P1.d3.GET', 'tls.shn-kv.P16.d3.SET']));
        expect(json.ratios.map((r) => r.id)).toEqual(expect.arrayContaining(['tls.shn-kv/redis.P1.d3.SET', 'tls.shn-kv/redis.P16.d3.GET']));
      }
    } else {
      expect(json.skipped.map((s) => s.id)).toContain('shn-kv');
    }
    const ports = Object.values(json.config['ports'] as Record<string, number>);
    expect(ports.length).toBeGreaterThan(0);
    for (const port of ports) {
      expect(port).not.toBe(6379);
      expect(await pingOnce(port)).toBe(false);
    }
  }, 240_000);
});

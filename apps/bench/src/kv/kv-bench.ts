import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ShnError } from '@shn/core';
import { repeatMeasurement } from '../harness/measure.js';
import { repoRoot } from '../harness/paths.js';
import { ResultBuilder } from '../harness/result-builder.js';
import { runCommand } from './child-process-run.js';
import { findFreePort } from './free-port.js';
import { parseRedisBenchmarkCsv } from './redis-benchmark-csv.js';
import { ensureRedisTools } from './redis-tools.js';
import { startServerProcess } from './server-process.js';
import { runKvTlsRow } from './tls-bench.js';
import type { ServerProcess } from './server-process.js';

/** Options of {@link runKvBench}. */
export interface KvBenchOptions {
  /** Smoke mode: 2 000 requests per run, one repeat, no warm-up. */
  readonly quick: boolean;
  /** Kept repeats per figure (default 3; 1 in quick mode). */
  readonly repeats?: number | undefined;
  /** Requests per redis-benchmark run without pipelining (default 100 000; pipelined runs use 5×; the warm-up run a tenth). */
  readonly requests?: number | undefined;
  /** A Node 24 binary to repeat the run on (default: $NODE24, then /tmp/n24/node_modules/node/bin/node). */
  readonly node24?: string | undefined;
  /** Progress lines go here (default: stderr). */
  readonly log?: (line: string) => void;
}

/** Where the built shn-kv entry point lives in the monorepo. */
export const shnKvMain: string = path.join(repoRoot, 'apps', 'demo', 'dist', 'main.js');
/** The bare single-loop Node RESP server (the Node ceiling), next to this file once built. */
const bareServer = fileURLToPath(new URL('./bare-resp-server.js', import.meta.url));

const CLIENTS = 50;
const KEYSPACE = 100_000;
const TESTS = ['SET', 'GET', 'INCR', 'MSET'] as const;
const HOT_TESTS = ['SET', 'GET', 'INCR'] as const;
/** The load cells: pipelining × value size. */
const CELLS = [
  { pipeline: 1, size: 3 },
  { pipeline: 1, size: 1024 },
  { pipeline: 16, size: 3 },
  { pipeline: 16, size: 1024 },
] as const;
const HOT = { pipeline: 16, size: 3 } as const;

/** One Node the contenders run on. */
interface NodeRun {
  readonly label: string;
  readonly bin: string;
  readonly version: string;
}

function nodeVersion(bin: string): string | undefined {
  try {
    return execFileSync(bin, ['-p', 'process.versions.node'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch {
    return undefined;
  }
}

function hasReusePort(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return process.platform === 'linux' && (major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12));
}

/** The Nodes to run on: this one, then Node 24 if a binary is found and differs. */
function nodes(node24: string | undefined): NodeRun[] {
  const self: NodeRun = { label: `node${process.versions.node.split('.')[0]}`, bin: process.execPath, version: process.versions.node };
  const out = [self];
  for (const c of [node24, process.env['NODE24'], '/tmp/n24/node_modules/node/bin/node']) {
    if (c === undefined || c === '' || !existsSync(c)) continue;
    const v = nodeVersion(c);
    if (v === undefined || v.split('.')[0] !== '24' || v === self.version) continue;
    out.push({ label: 'node24', bin: c, version: v });
    break;
  }
  return out;
}

/** A redis-benchmark run's figures, and whether it printed any error reply. */
interface Run {
  readonly rps: Map<string, number>;
  readonly errors: string[];
}

/** Runs redis-benchmark once; `keyspace` undefined = one hot key. */
async function redisBenchmark(port: number, tests: readonly string[], requests: number, pipeline: number, size: number, keyspace: number | undefined, timeoutMs: number): Promise<Run> {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-t', tests.join(',').toLowerCase(), '-c', String(CLIENTS), '-n', String(requests), '-d', String(size), '--csv'];
  if (keyspace !== undefined) args.push('-r', String(keyspace));
  if (pipeline > 1) args.push('-P', String(pipeline));
  const { stdout, stderr } = await runCommand('redis-benchmark', args, timeoutMs);
  const errors = `${stdout}\n${stderr}`.split('\n').filter((l) => /error|\bERR\b/i.test(l));
  const rows = parseRedisBenchmarkCsv(stdout);
  const rps = new Map(rows.map((r) => [r.test.split(' ')[0]!, r.rps]));
  for (const t of tests) {
    if (!rps.has(t) && errors.length === 0) throw new ShnError('DECODE_FAILED', `redis-benchmark printed no ${t} row: ${stdout.slice(0, 300)}`);
  }
  return { rps, errors };
}

/**
 * Runs the kv bench, side by side in one run: redis-server (started by the bench on a free
 * port, never 6379), a bare single-loop Node RESP server (the Node ceiling), and shn-kv in each
 * connection mode the Node offers (gateway; shard-owned with reusePort on Node >= 22.12/23.1).
 * The load is redis-benchmark `-t set,get,incr,mset -c 50 -r 100000` at `-P 1` and `-P 16` with
 * 3-byte and 1 KiB values, plus a hot-key run (no `-r`, `-P 16`). Everything repeats on Node 24
 * when a binary is found. Ratios: shard-owned ÷ bare Node (goal ≥ 1.0 on Node 24 in every
 * cell), gateway ÷ bare Node, shn-kv ÷ redis, and error replies per run (goal 0). A TLS row
 * compares shn-kv's TLS port with redis-server's (`runKvTlsRow`).
 */
export async function runKvBench(options: KvBenchOptions): Promise<ResultBuilder> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const quick = options.quick;
  const repeats = options.repeats ?? (quick ? 1 : 3);
  const warmups = quick ? 0 : 1;
  const requests = options.requests ?? (quick ? 2_000 : 100_000);
  const requestsFor = (pipeline: number) => (pipeline > 1 && !quick ? requests * 5 : requests);
  const timeoutMs = quick ? 60_000 : 900_000;
  const runsOn = nodes(options.node24);
  const ports: Record<string, number> = {};
  const config = {
    ports,
    repeats,
    warmups,
    clients: CLIENTS,
    keyspace: KEYSPACE,
    cells: CELLS,
    hot: HOT,
    tests: TESTS,
    requests: { P1: requestsFor(1), P16: requestsFor(16) },
    nodes: runsOn.map((n) => `${n.label} ${n.version}`),
  };
  const result = new ResultBuilder('kv', quick, config);
  result.note(`redis-benchmark -t set,get,incr,mset -c ${CLIENTS} -r ${KEYSPACE} -d 3|1024, with and without -P 16; the hot-key run has no -r (one key) and -P 16.`);
  result.note('Every server runs on this machine next to redis-benchmark, which competes for the same cores; redis-server runs with --save "" --appendonly no.');
  result.note('bare-node is a single-loop RESP server in plain Node (apps/bench/src/kv/bare-resp-server.ts) on the same Node as shn-kv: the Node ceiling.');
  if (runsOn.length === 1) result.skip('node24', 'no Node 24 binary found ($NODE24 or /tmp/n24: mkdir -p /tmp/n24 && cd /tmp/n24 && npm i node@24)');

  const missing = await ensureRedisTools(log);
  if (missing !== undefined) {
    result.skip('kv', missing);
    return result;
  }
  if (!existsSync(shnKvMain)) result.skip('shn-kv', `${path.relative(repoRoot, shnKvMain)} not found: build shn-kv (pnpm build at the repo root)`);

  let runs = 0;
  let errorRuns = 0;
  const errorLines: string[] = [];
  const samples = new Map<string, number[]>();
  const label = (c: { pipeline: number; size: number }, test: string, hot = false) =>
    `${test}${hot ? ' hot key' : ''}, ${c.pipeline > 1 ? `-P ${c.pipeline}` : 'no pipelining'}, ${c.size === 1024 ? '1 KiB' : `${c.size} B`}`;
  const cellId = (c: { pipeline: number; size: number }, hot = false) => `${hot ? 'hot.' : ''}P${c.pipeline}.d${c.size}`;

  for (const node of runsOn) {
    const servers: ServerProcess[] = [];
    try {
      const start = async (name: string, command: string, args: (port: number) => string[]) => {
        const port = await findFreePort();
        ports[`${node.label}.${name}`] = port;
        try {
          servers.push(await startServerProcess(name, command, args(port), port));
        } catch (e) {
          result.skip(`${node.label}.${name}`, `could not start: ${(e as Error).message}`);
        }
      };
      await start('redis', 'redis-server', (p) => ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no']);
      await start('bare-node', node.bin, (p) => [bareServer, String(p)]);
      if (existsSync(shnKvMain)) {
        await start('shn-kv-gateway', node.bin, (p) => [shnKvMain, '--port', String(p), '--admin-port', '0', '--connections', 'gateway']);
        if (hasReusePort(node.version)) {
          await start('shn-kv-shard-owned', node.bin, (p) => [shnKvMain, '--port', String(p), '--admin-port', '0', '--connections', 'shard-owned']);
        } else {
          result.skip(`${node.label}.shn-kv-shard-owned`, `Node ${node.version} has no reusePort (22.12+ / 23.1+ on Linux): only the gateway mode runs`);
        }
      }
      const measure = async (server: ServerProcess, tests: readonly string[], c: { pipeline: number; size: number }, hot: boolean) => {
        const keyspace = hot ? undefined : KEYSPACE;
        const n = requestsFor(c.pipeline);
        log(`kv: ${node.label} ${server.name} ${label(c, tests.join('/'), hot)}...`);
        try {
          for (let w = 0; w < warmups; w++) await redisBenchmark(server.port, tests, Math.max(1_000, Math.floor(n / 10)), c.pipeline, c.size, keyspace, timeoutMs);
          const got = await repeatMeasurement({ warmups: 0, repeats }, async () => {
            const r = await redisBenchmark(server.port, tests, n, c.pipeline, c.size, keyspace, timeoutMs);
            runs++;
            if (r.errors.length > 0) {
              errorRuns++;
              errorLines.push(`${node.label} ${server.name} ${cellId(c, hot)}: ${r.errors[0]!.slice(0, 200)}`);
            }
            return r.rps;
          });
          for (const t of tests) {
            const s = got.map((m) => m.get(t)).filter((v): v is number => v !== undefined);
            if (s.length > 0) samples.set(`${node.label}.${server.name}.${cellId(c, hot)}.${t}`, s);
          }
        } catch (e) {
          if (server.name === 'redis') throw e;
          result.skip(`${node.label}.${server.name}.${cellId(c, hot)}`, `redis-benchmark failed: ${(e as Error).message}`);
        }
      };
      for (const c of CELLS) for (const s of servers) await measure(s, TESTS, c, false);
      for (const s of servers) await measure(s, HOT_TESTS, HOT, true);
    } finally {
      for (const s of servers) await s.stop();
    }

    const cells = [...CELLS.map((c) => ({ c, hot: false, tests: TESTS as readonly string[] })), { c: HOT, hot: true, tests: HOT_TESTS as readonly string[] }];
    for (const { c, hot, tests } of cells) {
      for (const name of ['redis', 'bare-node', 'shn-kv-gateway', 'shn-kv-shard-owned']) {
        for (const t of tests) {
          const id = `${node.label}.${name}.${cellId(c, hot)}.${t}`;
          const s = samples.get(id);
          if (s !== undefined) result.addFigure(id, `${name} (${node.label})`, label(c, t, hot), 'req/s', s, `-c ${CLIENTS} -n ${requestsFor(c.pipeline)}`);
        }
      }
      for (const t of tests) {
        const base = `${node.label}.%s.${cellId(c, hot)}.${t}`;
        const f = (name: string) => base.replace('%s', name);
        const goal = node.label === 'node24' ? ({ op: '>=', value: 1.0 } as const) : undefined;
        result.addRatio(`${node.label}.shard-owned/bare.${cellId(c, hot)}.${t}`, `${node.label}: shard-owned ÷ bare Node, ${label(c, t, hot)}`, f('shn-kv-shard-owned'), f('bare-node'), goal);
        result.addRatio(`${node.label}.gateway/bare.${cellId(c, hot)}.${t}`, `${node.label}: gateway ÷ bare Node, ${label(c, t, hot)}`, f('shn-kv-gateway'), f('bare-node'));
        result.addRatio(`${node.label}.shard-owned/redis.${cellId(c, hot)}.${t}`, `${node.label}: shard-owned ÷ redis, ${label(c, t, hot)}`, f('shn-kv-shard-owned'), f('redis'));
        result.addRatio(`${node.label}.gateway/redis.${cellId(c, hot)}.${t}`, `${node.label}: gateway ÷ redis, ${label(c, t, hot)}`, f('shn-kv-gateway'), f('redis'));
        result.addRatio(`${node.label}.bare/redis.${cellId(c, hot)}.${t}`, `${node.label}: bare Node ÷ redis, ${label(c, t, hot)}`, f('bare-node'), f('redis'));
      }
    }
  }
  // The TLS row: shn-kv's TLS port against redis-server's, on this Node (see tls-bench.ts).
  if (existsSync(shnKvMain)) {
    await runKvTlsRow({ result, shnKvMain, node: process.execPath, repeats, requests: requestsFor, clients: CLIENTS, keyspace: KEYSPACE, timeoutMs, log, ports });
  }
  // Error replies: every redis-benchmark run counts; the goal is none in any run, in any mode.
  if (runs > 0) {
    result.addFigure('runs', 'redis-benchmark', 'runs', 'ops/s', [runs], 'a count of runs (the unit is not meaningful)');
    result.addFigure('clean-runs', 'redis-benchmark', 'runs without an error reply', 'ops/s', [Math.max(runs - errorRuns, Number.MIN_VALUE)], 'a count of runs (the unit is not meaningful)');
    result.addRatio('no-error-replies', 'runs without an error reply ÷ runs (any server, any mode; goal: all)', 'clean-runs', 'runs', { op: '>=', value: 1 });
    for (const line of errorLines.slice(0, 10)) result.note(`error reply: ${line}`);
  }
  return result;
}

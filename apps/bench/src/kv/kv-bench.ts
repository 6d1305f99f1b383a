import { existsSync } from 'node:fs';
import path from 'node:path';
import { ShnError } from '@shn/core';
import { repeatMeasurement } from '../harness/measure.js';
import { repoRoot } from '../harness/paths.js';
import { ResultBuilder } from '../harness/result-builder.js';
import { runCommand } from './child-process-run.js';
import { findFreePort } from './free-port.js';
import { parseRedisBenchmarkCsv } from './redis-benchmark-csv.js';
import { ensureRedisTools } from './redis-tools.js';
import { startServerProcess } from './server-process.js';
import type { ServerProcess } from './server-process.js';

/** Options of {@link runKvBench}. */
export interface KvBenchOptions {
  /** Smoke mode: 2 000 requests per run, one repeat, no warm-up. */
  readonly quick: boolean;
  /** Kept repeats per figure (default 3; 1 in quick mode). */
  readonly repeats?: number | undefined;
  /** Requests per redis-benchmark run without pipelining (default 100 000; pipelined runs use 5×; the warm-up run a tenth). */
  readonly requests?: number | undefined;
  /** Progress lines go here (default: stderr). */
  readonly log?: (line: string) => void;
}

/** Where the built shn-kv entry point lives in the monorepo. */
export const shnKvMain: string = path.join(repoRoot, 'apps', 'demo', 'dist', 'main.js');

const CLIENTS = 50;
const KEYSPACE = 100_000;
const PIPELINES = [1, 16] as const;
const TESTS = ['SET', 'GET'] as const;

/** Runs redis-benchmark once and returns requests/s per test. */
async function redisBenchmark(port: number, requests: number, pipeline: number, timeoutMs: number): Promise<Map<string, number>> {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-t', 'set,get', '-c', String(CLIENTS), '-n', String(requests), '-r', String(KEYSPACE), '--csv'];
  if (pipeline > 1) args.push('-P', String(pipeline));
  const { stdout } = await runCommand('redis-benchmark', args, timeoutMs);
  const rows = parseRedisBenchmarkCsv(stdout);
  const out = new Map(rows.map((r) => [r.test, r.rps]));
  for (const t of TESTS) {
    if (!out.has(t)) throw new ShnError('DECODE_FAILED', `redis-benchmark printed no ${t} row: ${stdout.slice(0, 300)}`);
  }
  return out;
}

/**
 * Runs the kv bench: redis-benchmark (`-t set,get -c 50 -n N -r 100000 --csv`, with and
 * without `-P 16`) against shn-kv (apps/demo, started as a child process on a free port) and
 * against a redis-server the bench starts itself on a free ephemeral port (never 6379) and
 * stops afterwards. Reports requests/s per target and the ratio shn-kv / redis. Missing tools
 * or a missing shn-kv build are recorded as skipped. Rejects with the failure of the redis
 * baseline; servers are always stopped.
 */
export async function runKvBench(options: KvBenchOptions): Promise<ResultBuilder> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const quick = options.quick;
  const repeats = options.repeats ?? (quick ? 1 : 3);
  const warmups = quick ? 0 : 1;
  const requests = options.requests ?? (quick ? 2_000 : 100_000);
  const requestsFor = (pipeline: number) => (pipeline > 1 && !quick ? requests * 5 : requests);
  const timeoutMs = quick ? 30_000 : 600_000;
  const ports: Record<string, number> = {};
  const config = { ports, repeats, warmups, clients: CLIENTS, keyspace: KEYSPACE, pipelines: PIPELINES, requests: Object.fromEntries(PIPELINES.map((p) => [`P${p}`, requestsFor(p)])) };
  const result = new ResultBuilder('kv', quick, config);
  result.note(`redis-benchmark -t set,get -c ${CLIENTS} -n N -r ${KEYSPACE} --csv, with and without -P 16; -r spreads keys over ${KEYSPACE} names so a sharded server sees more than one key.`);
  result.note('Both servers run on this machine next to redis-benchmark (which competes for the same cores); redis-server runs with --save "" --appendonly no.');

  const missing = await ensureRedisTools(log);
  if (missing !== undefined) {
    result.skip('redis', missing);
    result.skip('shn-kv', missing);
    return result;
  }

  const servers: ServerProcess[] = [];
  try {
    const redisPort = await findFreePort();
    ports['redis'] = redisPort;
    servers.push(await startServerProcess('redis', 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], redisPort));
    if (!existsSync(shnKvMain)) {
      result.skip('shn-kv', `${path.relative(repoRoot, shnKvMain)} not found: build shn-kv (pnpm build at the repo root)`);
    } else {
      const kvPort = await findFreePort();
      ports['shn-kv'] = kvPort;
      try {
        servers.push(await startServerProcess('shn-kv', process.execPath, [shnKvMain, '--port', String(kvPort), '--admin-port', '0'], kvPort));
      } catch (e) {
        result.skip('shn-kv', `could not start: ${(e as Error).message}`);
      }
    }

    // samples[target][pipeline][test] = requests/s per repeat
    const samples = new Map<string, number[]>();
    const key = (target: string, pipeline: number, test: string) => `${target}.P${pipeline}.${test}`;
    for (const pipeline of PIPELINES) {
      for (const server of servers) {
        log(`kv: ${server.name} -P ${pipeline}...`);
        try {
          // Warm-up: one run of a tenth of the requests (JIT, connection setup), not counted.
          for (let w = 0; w < warmups; w++) await redisBenchmark(server.port, Math.max(1_000, Math.floor(requestsFor(pipeline) / 10)), pipeline, timeoutMs);
          const runs = await repeatMeasurement({ warmups: 0, repeats }, () => redisBenchmark(server.port, requestsFor(pipeline), pipeline, timeoutMs));
          for (const test of TESTS) samples.set(key(server.name, pipeline, test), runs.map((r) => r.get(test) as number));
        } catch (e) {
          if (server.name === 'redis') throw e;
          result.skip(`shn-kv.P${pipeline}`, `redis-benchmark failed: ${(e as Error).message}`);
        }
      }
    }
    for (const pipeline of PIPELINES) {
      for (const server of servers) {
        for (const test of TESTS) {
          const s = samples.get(key(server.name, pipeline, test));
          if (s === undefined) continue;
          const label = pipeline > 1 ? `${test}, -P ${pipeline}` : `${test}, no pipelining`;
          result.addFigure(key(server.name, pipeline, test), server.name, label, 'req/s', s, `-c ${CLIENTS} -n ${requestsFor(pipeline)}`);
        }
      }
    }
    for (const pipeline of PIPELINES) {
      for (const test of TESTS) {
        result.addRatio(`shn-kv/redis.P${pipeline}.${test}`, `shn-kv / redis, ${test}${pipeline > 1 ? ` -P ${pipeline}` : ''}`, key('shn-kv', pipeline, test), key('redis', pipeline, test));
      }
    }
  } finally {
    for (const s of servers) await s.stop();
  }
  return result;
}

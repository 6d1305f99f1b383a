/**
 * The shn-kv part of `pnpm bench telemetry`: three shn-kv processes (gateway mode, 2 shards)
 * alive side by side, `--telemetry off`, `--telemetry metrics`, and `--telemetry tracing` at
 * 1% of commands with OTLP/HTTP export to a local sink the bench runs; redis-benchmark SET/GET
 * `-P 16` against each in rotating rounds.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { repeatAlternating } from '../harness/measure.js';
import type { ResultBuilder } from '../harness/result-builder.js';
import { runCommand } from '../kv/child-process-run.js';
import { findFreePort } from '../kv/free-port.js';
import { shnKvMain } from '../kv/kv-bench.js';
import { parseRedisBenchmarkCsv } from '../kv/redis-benchmark-csv.js';
import { ensureRedisTools } from '../kv/redis-tools.js';
import { startServerProcess, type ServerProcess } from '../kv/server-process.js';

const KV_SETTINGS = ['off', 'metrics', 'tracing'] as const;
const KV_LABEL = { off: 'shn-kv --telemetry off', metrics: 'shn-kv --telemetry metrics', tracing: 'shn-kv --telemetry tracing --trace-ratio 0.01' } as const;

/** Adds `kv.<setting>.<SET|GET>` figures and the kv ratios to `result`, or skips `kv` saying why. */
export async function measureKvSettings(result: ResultBuilder, options: { quick: boolean; repeats: number; warmups: number; log: (line: string) => void }): Promise<void> {
  if (!existsSync(shnKvMain)) return result.skip('kv', 'apps/demo/dist/main.js not found: build shn-kv (pnpm build at the repo root)');
  const missing = await ensureRedisTools(options.log);
  if (missing !== undefined) return result.skip('kv', missing);
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const otlp = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  const servers: ServerProcess[] = [];
  const requests = options.quick ? 2_000 : 200_000;
  try {
    for (const s of KV_SETTINGS) {
      const port = await findFreePort();
      const args = [shnKvMain, '--port', String(port), '--admin-port', '0', '--shards', '2', '--connections', 'gateway', '--telemetry', s];
      if (s === 'tracing') args.push('--trace-ratio', '0.01');
      const env: Record<string, string> = s === 'tracing' ? { OTEL_EXPORTER_OTLP_ENDPOINT: otlp } : {};
      servers.push(await withEnv(env, () => startServerProcess(`shn-kv-${s}`, process.execPath, args, port)));
    }
    options.log('telemetry: shn-kv SET/GET -P 16, alternating off / metrics / tracing...');
    const rounds = await repeatAlternating(
      { warmups: options.warmups, repeats: options.repeats },
      servers.map((srv) => async () => {
        const { stdout } = await runCommand('redis-benchmark', ['-h', '127.0.0.1', '-p', String(srv.port), '-t', 'set,get', '-c', '50', '-P', '16', '-r', '100000', '-n', String(requests), '--csv'], 300_000);
        return new Map(parseRedisBenchmarkCsv(stdout).map((r) => [r.test.split(' ')[0]!, r.rps]));
      }),
    );
    result.note('shn-kv tracing (--trace-ratio 0.01): 1% of RESP commands start a trace (a SERVER span, an `ask kv` span per shard batch it rides in, a `process kv` span on the shard), exported by OTLP/HTTP to a local sink every 200 ms; the middleware starts no traces of its own, and the other 99% of commands carry no header. The SDK installs AsyncLocalStorageContextManager, which on Node 20 runs async hooks for every promise of the thread once the first traced command ran.');
    KV_SETTINGS.forEach((s, i) => {
      for (const t of ['SET', 'GET']) {
        const samples = (rounds[i] ?? []).map((m) => m.get(t)).filter((v): v is number => v !== undefined);
        if (samples.length > 0) result.addFigure(`kv.${s}.${t}`, KV_LABEL[s], `${t} -c 50 -P 16, 2 shards, gateway`, 'req/s', samples);
      }
    });
  } finally {
    for (const s of servers) await s.stop();
    await new Promise<void>((r) => sink.close(() => r()));
  }
  for (const t of ['SET', 'GET']) {
    result.addRatio(`kv.metrics.${t}`, `shn-kv metrics on / off, ${t} req/s (cost at most 5%)`, `kv.metrics.${t}`, `kv.off.${t}`, { op: '>=', value: 0.95 });
    result.addRatio(`kv.tracing.${t}`, `shn-kv metrics + tracing 1% / off, ${t} req/s (cost at most 10%)`, `kv.tracing.${t}`, `kv.off.${t}`, { op: '>=', value: 0.9 });
  }
}

/** Runs `fn` with extra environment variables (inherited by a child spawned inside it). */
async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

import { existsSync } from 'node:fs';
import path from 'node:path';
import { ShnError, isShnError } from '@shn/core';
import { quantile } from '../harness/stats.js';
import { repoRoot } from '../harness/paths.js';
import { ResultBuilder } from '../harness/result-builder.js';
import type { RatioGoal } from '../harness/result-builder.js';
import { findFreePort } from '../kv/free-port.js';
import { KEYS_WORKLOAD, SET_WORKLOAD, preloadKeys, runLoadPhase } from './load-client.js';
import type { PhaseStats, Workload } from './load-client.js';
import { sampleRss } from './rss-sampler.js';
import { fillCommand, startServer } from './server-command.js';
import type { RunningServer } from './server-command.js';

/** Options of {@link runOverloadBench}. */
export interface OverloadBenchOptions {
  /** Smoke mode: 1 s phases. */
  readonly quick: boolean;
  /** Phase length, ms (default 10 000; 1 000 in quick mode). */
  readonly phaseMs?: number | undefined;
  /** Environment to read the server commands from (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
}

const CONNECTIONS = 16;
const shnKvMain = path.join(repoRoot, 'apps', 'demo', 'dist', 'main.js');

/**
 * The default command lines (`{port}`, `{rate}`, `{burst}` and `{busy}` are filled in): shn-kv with two
 * shards, without and with admission control. The `--admission*` flags are what the demo wiring
 * is expected to accept (see packages/backpressure/README.md).
 */
export const DEFAULT_OFF = `${process.execPath} ${shnKvMain} --port {port} --admin-port 0 --shards 2`;
export const DEFAULT_ON = `${DEFAULT_OFF} --admission --admission-rate {rate} --admission-burst {burst} --admission-limit gradient2 --admission-busy-rate {busy}`;

function fill(template: string, port: number, vars: Record<string, number>): { command: string; args: string[] } {
  let t = template;
  for (const [k, v] of Object.entries(vars)) t = t.replaceAll(`{${k}}`, String(Math.max(1, Math.round(v))));
  return fillCommand(t, port);
}

/** One workload of the bench: what is sent, how many keys are loaded first, whether its ratios carry the goals. */
interface WorkloadPlan {
  readonly workload: Workload;
  readonly preload: number;
  readonly goals: boolean;
}

/**
 * The overload bench. For each workload (default: `keys`, which carries the goals, then `set`):
 * starts the RESP server without admission control (command `SHN_OVERLOAD_OFF_CMD`, default
 * shn-kv), loads its keyspace, measures what it can serve (closed loop, 16 connections x 32 in
 * flight), then offers it 50% and 10x that load (open loop); restarts it with admission control
 * (`SHN_OVERLOAD_ON_CMD`, default shn-kv `--admission ...`) and repeats 50% and 10x. Reports
 * p50/p99 of answered requests, BUSY and error rates, requests left unanswered, and the server's
 * peak RSS. A server that cannot start is skipped with the reason.
 *
 * Why two workloads: a load generator can only offer 10x what a server serves if sending costs it
 * a tenth of what serving costs the server. On a 2-core machine shared by client and server that
 * holds for an expensive command (`KEYS`, whose cost is the shards' scan) and not for `SET`
 * (whose cost is mostly parsing, which a refusal pays too); the `set` run shows how far the client
 * gets and what admission control does there, without goals.
 */
export async function runOverloadBench(options: OverloadBenchOptions): Promise<ResultBuilder> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const env = options.env ?? process.env;
  const phaseMs = options.phaseMs ?? (options.quick ? 1_000 : 10_000);
  const offCmd = env['SHN_OVERLOAD_OFF_CMD'] ?? DEFAULT_OFF;
  const onCmd = env['SHN_OVERLOAD_ON_CMD'] ?? DEFAULT_ON;
  const factor = (name: string, fallback: number): number => {
    const raw = env[name];
    const v = raw === undefined ? fallback : Number(raw);
    return Number.isFinite(v) && v > 0 ? v : fallback;
  };
  const preload = Math.round(factor('SHN_OVERLOAD_KEYS', 20_000));
  const known: Record<string, WorkloadPlan> = {
    keys: { workload: KEYS_WORKLOAD, preload, goals: true },
    set: { workload: SET_WORKLOAD, preload: 0, goals: false },
  };
  const names = (env['SHN_OVERLOAD_WORKLOADS'] ?? 'keys,set').split(',').map((n) => n.trim()).filter((n) => n !== '');
  const plans: WorkloadPlan[] = [];
  for (const n of names) {
    const plan = known[n];
    if (plan === undefined) throw new ShnError('INVALID_ARGUMENT', `SHN_OVERLOAD_WORKLOADS: unknown workload ${JSON.stringify(n)} (known: ${Object.keys(known).join(', ')})`);
    plans.push(plan);
  }
  const config: Record<string, unknown> = {
    phaseMs,
    connections: CONNECTIONS,
    offCmd,
    onCmd,
    workloads: Object.fromEntries(plans.map((p) => [p.workload.name, { request: p.workload.describe, preloadedKeys: p.preload, goals: p.goals }])),
  };
  const result = new ResultBuilder('overload', options.quick, config);
  result.note('Offered load is open loop and paced per millisecond; a request the client could not write because the socket would not take more (TCP backpressure) is counted as not sent, never queued in the client.');
  result.note('Latency is from the write of a request to its reply; p99 is over answered (admitted, non-error) requests only; BUSY replies are counted separately.');
  result.note('Memory is the peak VmRSS of the server process (all shards are threads of it), sampled every 50 ms during the phase.');
  result.note('Unanswered: written by the client but not answered within 5 s after the phase (still in socket buffers or server queues): not necessarily lost.');
  result.note(
    'Goals are on the keys workload: an expensive command (each KEYS scans every key of every shard), so the client can offer 10x what the server serves. The set workload is a cheap command whose cost is mostly parsing, which a refusal pays too; on 2 cores shared with the client, "10x" there is whatever the client reaches, and it is reported without goals.',
  );
  if (env['SHN_OVERLOAD_OFF_CMD'] === undefined && !existsSync(shnKvMain)) {
    result.skip('off', `${path.relative(repoRoot, shnKvMain)} not found: build shn-kv (pnpm build) or set SHN_OVERLOAD_OFF_CMD`);
    result.skip('on', 'no server to measure');
    return result;
  }
  for (const plan of plans) await runWorkload(plan, { result, log, phaseMs, offCmd, onCmd, factor });
  return result;
}

interface RunContext {
  readonly result: ResultBuilder;
  readonly log: (line: string) => void;
  readonly phaseMs: number;
  readonly offCmd: string;
  readonly onCmd: string;
  readonly factor: (name: string, fallback: number) => number;
}

async function runWorkload(plan: WorkloadPlan, cx: RunContext): Promise<void> {
  const { result, log, phaseMs } = cx;
  const w = plan.workload.name;
  const start = async (cmd: { command: string; args: string[] }, port: number): Promise<RunningServer> => {
    const server = await startServer(cmd.command, cmd.args, port);
    if (plan.preload > 0) {
      log(`overload ${w}: loading ${plan.preload} keys...`);
      try {
        await preloadKeys(port, plan.preload);
      } catch (e) {
        await server.stop();
        throw e;
      }
    }
    return server;
  };
  const phase = async (server: RunningServer, name: string, rate: number | undefined): Promise<PhaseStats & { rss: number | undefined }> => {
    log(`overload ${w}: ${name}${rate === undefined ? ' (closed loop)' : ` at ${Math.round(rate)} req/s`}...`);
    const rss = sampleRss(server.pid);
    const stats = await runLoadPhase({ port: server.port, connections: CONNECTIONS, durationMs: phaseMs, workload: plan.workload, ...(rate === undefined ? { depth: 32 } : { ratePerSec: rate }) });
    const { max } = rss.stop();
    log(`overload ${w}: ${name}: sent ${stats.sent}, ok ${stats.ok}, busy ${stats.busy} (${stats.busyOverloaded} by the global limit), errors ${stats.errors}, unanswered ${stats.unanswered}, not sent ${stats.notSent}, peak RSS ${max === undefined ? '?' : Math.round(max / 2 ** 20)} MiB`);
    return { ...stats, rss: max };
  };
  const record = (id: string, subject: string, label: string, s: PhaseStats & { rss: number | undefined }) => {
    const secs = s.durationMs / 1000;
    id = `${w}.${id}`;
    subject = `${w}: ${subject}`;
    if (s.latencies.length > 0) {
      result.addFigure(`${id}.p50`, subject, `p50 latency of answered requests, ${label}`, 'ms', [quantile(s.latencies, 0.5)]);
      result.addFigure(`${id}.p99`, subject, `p99 latency of answered requests, ${label}`, 'ms', [quantile(s.latencies, 0.99)]);
    }
    result.addFigure(`${id}.sent`, subject, `requests sent, ${label}`, 'req/s', [s.sent / secs], s.notSent > 0 ? `${s.notSent} more held back by TCP backpressure` : undefined);
    result.addFigure(`${id}.ok`, subject, `answered, not refused, ${label}`, 'req/s', [s.ok / secs]);
    result.addFigure(`${id}.busy`, subject, `answered -BUSY, ${label}`, 'req/s', [s.busy / secs], s.busy > 0 ? `${s.busyOverloaded} of ${s.busy} by the global limit, the rest by a connection's rate limit` : undefined);
    result.addFigure(`${id}.answered`, subject, `answered (any reply), ${label}`, 'req/s', [(s.ok + s.busy + s.errors) / secs], `${s.unanswered} unanswered, ${s.errors} other errors${s.firstError === undefined ? '' : ` (first: ${s.firstError})`}`);
    if (s.rss !== undefined) result.addFigure(`${id}.rss`, subject, `server peak RSS, ${label}`, 'bytes', [s.rss]);
  };

  let capacity: number | undefined;
  // Without admission control: capacity, 50% and 10x.
  let off: RunningServer | undefined;
  try {
    const port = await findFreePort();
    off = await start(fillCommand(cx.offCmd, port), port);
    const calib = await phase(off, 'capacity (no admission control)', undefined);
    capacity = calib.ok / (calib.durationMs / 1000);
    result.addFigure(`${w}.capacity`, `${w}: shn-kv, no admission control`, 'served, closed loop 16 x 32 in flight', 'req/s', [capacity]);
    record('off.50', 'no admission control', '50% load', await phase(off, '50% load, no admission control', capacity * 0.5));
    record('off.10x', 'no admission control', '10x load', await phase(off, '10x load, no admission control', capacity * 10));
  } catch (e) {
    result.skip(`${w}.off`, `server without admission control failed: ${isShnError(e) ? `${e.code}: ` : ''}${(e as Error).message}`);
  } finally {
    await off?.stop();
  }
  if (capacity === undefined || !(capacity > 0)) {
    result.skip(`${w}.on`, 'no capacity measured, so no load to offer');
    return;
  }
  // With admission control: a per-connection rate of `rateFactor` x its fair share of the capacity
  // (default 2), an adaptive global limit, and a BUSY budget of `busyFactor` x that rate (default 5:
  // enough to answer the whole excess of a 10x load with -BUSY; beyond it the server pauses reading
  // the connection and TCP holds the rest). Both can be set: SHN_OVERLOAD_RATE_FACTOR, SHN_OVERLOAD_BUSY_FACTOR.
  const rate = (cx.factor('SHN_OVERLOAD_RATE_FACTOR', 2) * capacity) / CONNECTIONS;
  // Burst: 100 ms of the rate. With 10 ms (rate / 100) a client or server stall of a few tens of ms on a
  // busy machine made a paced client at 50% load burst past its bucket and collect BUSY (seen in smoke runs).
  const burst = Math.max(16, rate / 10);
  const busy = cx.factor('SHN_OVERLOAD_BUSY_FACTOR', 5) * rate;
  result.note(`${w}: capacity ${Math.round(capacity)} req/s; admission per connection ${Math.round(rate)} req/s, burst ${Math.round(Math.max(16, burst))}, BUSY budget ${Math.round(busy)}/s; global limit gradient2.`);
  let on: RunningServer | undefined;
  try {
    const port = await findFreePort();
    const cmd = fill(cx.onCmd, port, { rate, burst, busy });
    try {
      on = await start(cmd, port);
    } catch (e) {
      result.skip(`${w}.on`, `server with admission control did not start: ${(e as Error).message.slice(0, 400)}`);
      return;
    }
    record('on.50', 'admission control', '50% load', await phase(on, '50% load, admission control', capacity * 0.5));
    record('on.10x', 'admission control', '10x load', await phase(on, '10x load, admission control', capacity * 10));
  } finally {
    await on?.stop();
  }
  const goal = (g: RatioGoal): RatioGoal | undefined => (plan.goals ? g : undefined);
  result.addRatio(`${w}.offered`, `${w}: sent at "10x" / capacity (did the client reach 10x? pacing loses up to a tick)`, `${w}.on.10x.sent`, `${w}.capacity`, goal({ op: '>=', value: 9.5 }));
  result.addRatio(`${w}.p99`, `${w}: p99 admitted at 10x / p99 at 50%, admission control`, `${w}.on.10x.p99`, `${w}.on.50.p99`, goal({ op: '<=', value: 2 }));
  result.addRatio(`${w}.rss`, `${w}: peak RSS at 10x / at 50%, admission control`, `${w}.on.10x.rss`, `${w}.on.50.rss`, goal({ op: '<=', value: 1.5 }));
  result.addRatio(`${w}.lossless`, `${w}: answered / sent at 10x, admission control (1 = nothing lost)`, `${w}.on.10x.answered`, `${w}.on.10x.sent`, goal({ op: '>=', value: 1 }));
  result.addRatio(`${w}.busy-share`, `${w}: BUSY / sent at 10x, admission control`, `${w}.on.10x.busy`, `${w}.on.10x.sent`, goal({ op: '>=', value: 0.5 }));
  result.addRatio(`${w}.served-share`, `${w}: answered, not refused, at 10x with admission / capacity (goodput kept under overload)`, `${w}.on.10x.ok`, `${w}.capacity`);
  result.addRatio(`${w}.p99-off`, `${w}: p99 at 10x / at 50%, no admission control`, `${w}.off.10x.p99`, `${w}.off.50.p99`);
  result.addRatio(`${w}.rss-off`, `${w}: peak RSS at 10x / at 50%, no admission control`, `${w}.off.10x.rss`, `${w}.off.50.rss`);
}

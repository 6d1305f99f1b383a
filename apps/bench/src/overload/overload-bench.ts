import { existsSync } from 'node:fs';
import path from 'node:path';
import { isShnError } from '@shn/core';
import { quantile } from '../harness/stats.js';
import { repoRoot } from '../harness/paths.js';
import { ResultBuilder } from '../harness/result-builder.js';
import { findFreePort } from '../kv/free-port.js';
import { runLoadPhase } from './load-client.js';
import type { PhaseStats } from './load-client.js';
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

/**
 * The overload bench. Starts the RESP server without admission control (command
 * `SHN_OVERLOAD_OFF_CMD`, default shn-kv), measures what it can serve (closed loop, 16
 * connections x 32 in flight), then offers it 50% and 10x that load (open loop, SET requests);
 * restarts it with admission control (`SHN_OVERLOAD_ON_CMD`, default shn-kv `--admission ...`)
 * and repeats 50% and 10x. Reports p50/p99 of answered requests, BUSY and error rates, requests
 * left unanswered, and the server's peak RSS. A server that cannot start (no build, no
 * admission flags yet) is skipped with the reason.
 */
export async function runOverloadBench(options: OverloadBenchOptions): Promise<ResultBuilder> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const env = options.env ?? process.env;
  const phaseMs = options.phaseMs ?? (options.quick ? 1_000 : 10_000);
  const offCmd = env['SHN_OVERLOAD_OFF_CMD'] ?? DEFAULT_OFF;
  const onCmd = env['SHN_OVERLOAD_ON_CMD'] ?? DEFAULT_ON;
  const config: Record<string, unknown> = { phaseMs, connections: CONNECTIONS, offCmd, onCmd, request: 'SET k:NNNNN <16 bytes>, 10 000 keys' };
  const result = new ResultBuilder('overload', options.quick, config);
  result.note('Offered load is open loop and paced per millisecond; a request the client could not write because the socket would not take more (TCP backpressure) is counted as not sent, never queued in the client.');
  result.note('Latency is from the write of a request to its reply; p99 is over answered (admitted, +OK) requests only; BUSY replies are counted separately.');
  result.note('Memory is the peak VmRSS of the server process (all shards are threads of it), sampled every 50 ms during the phase.');
  result.note('Unanswered: written by the client but not answered within 5 s after the phase (still in socket buffers or server queues): not necessarily lost.');
  if (env['SHN_OVERLOAD_OFF_CMD'] === undefined && !existsSync(shnKvMain)) {
    result.skip('off', `${path.relative(repoRoot, shnKvMain)} not found: build shn-kv (pnpm build) or set SHN_OVERLOAD_OFF_CMD`);
    result.skip('on', 'no server to measure');
    return result;
  }

  const phase = async (server: RunningServer, name: string, rate: number | undefined): Promise<PhaseStats & { rss: number | undefined }> => {
    log(`overload: ${name}${rate === undefined ? ' (closed loop)' : ` at ${Math.round(rate)} req/s`}...`);
    const rss = sampleRss(server.pid);
    const stats = await runLoadPhase({ port: server.port, connections: CONNECTIONS, durationMs: phaseMs, ...(rate === undefined ? { depth: 32 } : { ratePerSec: rate }) });
    const { max } = rss.stop();
    log(`overload: ${name}: sent ${stats.sent}, ok ${stats.ok}, busy ${stats.busy}, errors ${stats.errors}, unanswered ${stats.unanswered}, not sent ${stats.notSent}, peak RSS ${max === undefined ? '?' : Math.round(max / 2 ** 20)} MiB`);
    return { ...stats, rss: max };
  };
  const record = (id: string, subject: string, label: string, s: PhaseStats & { rss: number | undefined }) => {
    const secs = s.durationMs / 1000;
    if (s.latencies.length > 0) {
      result.addFigure(`${id}.p50`, subject, `p50 latency of answered requests, ${label}`, 'ms', [quantile(s.latencies, 0.5)]);
      result.addFigure(`${id}.p99`, subject, `p99 latency of answered requests, ${label}`, 'ms', [quantile(s.latencies, 0.99)]);
    }
    result.addFigure(`${id}.sent`, subject, `requests sent, ${label}`, 'req/s', [s.sent / secs], s.notSent > 0 ? `${s.notSent} more held back by TCP backpressure` : undefined);
    result.addFigure(`${id}.ok`, subject, `answered +OK, ${label}`, 'req/s', [s.ok / secs]);
    result.addFigure(`${id}.busy`, subject, `answered -BUSY, ${label}`, 'req/s', [s.busy / secs]);
    result.addFigure(`${id}.answered`, subject, `answered (any reply), ${label}`, 'req/s', [(s.ok + s.busy + s.errors) / secs], `${s.unanswered} unanswered, ${s.errors} other errors${s.firstError === undefined ? '' : ` (first: ${s.firstError})`}`);
    if (s.rss !== undefined) result.addFigure(`${id}.rss`, subject, `server peak RSS, ${label}`, 'bytes', [s.rss]);
  };

  let capacity: number | undefined;
  // Without admission control: capacity, 50% and 10x.
  let off: RunningServer | undefined;
  try {
    const port = await findFreePort();
    const cmd = fillCommand(offCmd, port);
    off = await startServer(cmd.command, cmd.args, port);
    const calib = await phase(off, 'capacity (no admission control)', undefined);
    capacity = calib.ok / (calib.durationMs / 1000);
    config['capacityReqPerSec'] = Math.round(capacity);
    result.addFigure('capacity', 'shn-kv, no admission control', 'served, closed loop 16 x 32 in flight', 'req/s', [capacity]);
    record('off.50', 'no admission control', '50% load', await phase(off, '50% load, no admission control', capacity * 0.5));
    record('off.10x', 'no admission control', '10x load', await phase(off, '10x load, no admission control', capacity * 10));
  } catch (e) {
    result.skip('off', `server without admission control failed: ${isShnError(e) ? `${e.code}: ` : ''}${(e as Error).message}`);
  } finally {
    await off?.stop();
  }
  if (capacity === undefined || !(capacity > 0)) {
    result.skip('on', 'no capacity measured, so no load to offer');
    return result;
  }
  // With admission control: a per-connection rate of `rateFactor` x its fair share of the capacity
  // (default 2), an adaptive global limit, and a BUSY budget of `busyFactor` x that rate (default 5:
  // enough to answer the whole excess of a 10x load with -BUSY; beyond it the server pauses reading
  // the connection and TCP holds the rest). Both can be set: SHN_OVERLOAD_RATE_FACTOR, SHN_OVERLOAD_BUSY_FACTOR.
  const factor = (name: string, fallback: number): number => {
    const raw = env[name];
    const v = raw === undefined ? fallback : Number(raw);
    return Number.isFinite(v) && v > 0 ? v : fallback;
  };
  const rate = (factor('SHN_OVERLOAD_RATE_FACTOR', 2) * capacity) / CONNECTIONS;
  // Burst: 100 ms of the rate. With 10 ms (rate / 100) a client or server stall of a few tens of ms on a
  // busy machine made a paced client at 50% load burst past its bucket and collect BUSY (seen in smoke runs).
  const burst = Math.max(16, rate / 10);
  const busy = factor('SHN_OVERLOAD_BUSY_FACTOR', 5) * rate;
  config['admission'] = { perConnectionRate: Math.round(rate), burst: Math.round(burst), busyRate: Math.round(busy), limit: 'gradient2' };
  let on: RunningServer | undefined;
  try {
    const port = await findFreePort();
    const cmd = fill(onCmd, port, { rate, burst, busy });
    try {
      on = await startServer(cmd.command, cmd.args, port);
    } catch (e) {
      result.skip('on', `server with admission control did not start (is @shn/backpressure wired into shn-kv with --admission flags? see packages/backpressure/README.md): ${(e as Error).message.slice(0, 400)}`);
      return result;
    }
    const half = await phase(on, '50% load, admission control', capacity * 0.5);
    record('on.50', 'admission control', '50% load', half);
    const over = await phase(on, '10x load, admission control', capacity * 10);
    record('on.10x', 'admission control', '10x load', over);
  } finally {
    await on?.stop();
  }
  result.addRatio('offered', 'sent at "10x" / capacity (did the client reach 10x? pacing loses up to a tick)', 'on.10x.sent', 'capacity', { op: '>=', value: 9.5 });
  result.addRatio('p99', 'p99 admitted at 10x / p99 at 50%, admission control', 'on.10x.p99', 'on.50.p99', { op: '<=', value: 2 });
  result.addRatio('rss', 'peak RSS at 10x / at 50%, admission control', 'on.10x.rss', 'on.50.rss', { op: '<=', value: 1.5 });
  result.addRatio('lossless', 'answered / sent at 10x, admission control (1 = nothing lost)', 'on.10x.answered', 'on.10x.sent', { op: '>=', value: 1 });
  result.addRatio('busy-share', 'BUSY / sent at 10x, admission control', 'on.10x.busy', 'on.10x.sent', { op: '>=', value: 0.5 });
  result.addRatio('p99-off', 'p99 at 10x / at 50%, no admission control', 'off.10x.p99', 'off.50.p99');
  result.addRatio('rss-off', 'peak RSS at 10x / at 50%, no admission control', 'off.10x.rss', 'off.50.rss', { op: '<=', value: 1.5 });
  return result;
}

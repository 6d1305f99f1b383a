import { ShnError, seededRng } from '@shn/core';
import { gameday } from '@shn/sim';
import type { GamedayProgress, GamedayReport, WorkloadSummary } from '@shn/sim';
import type { RunningServer } from '../server/start-server.js';
import { KillEpoch, kvChaosWorkload } from './kv-chaos-workload.js';

/** Options of {@link startChaos}. */
export interface ChaosRunOptions {
  /** Mean gap between kills, ms (gaps are uniform in [0.5, 1.5] × this). */
  readonly intervalMs: number;
  /** Seeds which shard dies when. */
  readonly seed?: number;
  /** Where progress lines go (default: none). */
  readonly log?: (line: string) => void;
  /** How long a killed shard may take to come back, ms (default 10 000). */
  readonly recoveryTimeoutMs?: number;
}

/** A running chaos gameday against a shn-kv server. */
export interface ChaosRun {
  /** Kill and restart counts so far. */
  readonly kills: number;
  /** Stops killing, stops the workload and resolves with the gameday report. Idempotent. */
  stop(): Promise<GamedayReport>;
}

/** One line summarising what the workload saw. */
export function formatWorkload(w: WorkloadSummary): string {
  const errors = Object.entries(w.errorsByCode).map(([c, n]) => `${c}=${n}`).join(' ') || 'none';
  return `ops=${w.total} ok=${w.ok} errors: ${errors} | wrong answers=${w.violations} | p50=${w.latency.p50Ms.toFixed(2)}ms p99=${w.latency.p99Ms.toFixed(2)}ms max=${w.latency.maxMs.toFixed(1)}ms`;
}

function describe(p: GamedayProgress): string {
  switch (p.type) {
    case 'kill':
      return `chaos: killing shard ${p.shard} at +${(p.atMs / 1000).toFixed(1)}s`;
    case 'recovered':
      return `chaos: shard ${p.shard} restarted, all shards ready after ${p.afterMs.toFixed(0)} ms | ${formatWorkload(p.workload)}`;
    case 'not-recovered':
      return `chaos: shard ${p.shard} NOT recovered: ${p.error} | ${formatWorkload(p.workload)}`;
  }
}

/**
 * Starts a gameday against a running shn-kv server: a seeded random shard is killed every
 * `intervalMs` on average while a RESP client does SET/GET through the real port and checks
 * the answers. Each kill and recovery is logged with a running summary.
 * @throws ShnError `INVALID_ARGUMENT` for a bad interval.
 */
export function startChaos(server: RunningServer, options: ChaosRunOptions): ChaosRun {
  const interval = options.intervalMs;
  if (!Number.isFinite(interval) || interval < 10) throw new ShnError('INVALID_ARGUMENT', `chaos interval must be >= 10 ms, got ${String(interval)}`);
  const log = options.log ?? (() => undefined);
  const epoch = new KillEpoch();
  const ac = new AbortController();
  let kills = 0;
  const report = gameday({
    target: server.runtime,
    schedule: { kind: 'random', minIntervalMs: interval * 0.5, maxIntervalMs: interval * 1.5 },
    rng: seededRng(options.seed ?? 1),
    durationMs: Infinity,
    signal: ac.signal,
    recoveryTimeoutMs: options.recoveryTimeoutMs ?? 10_000,
    workload: kvChaosWorkload(server.port, epoch),
    onProgress: (p) => {
      if (p.type === 'kill') {
        kills++;
        epoch.value++;
      }
      log(describe(p));
    },
  });
  return {
    get kills() {
      return kills;
    },
    stop: () => {
      ac.abort();
      return report;
    },
  };
}

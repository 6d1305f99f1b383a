import { ShnError, seededRng, systemClock, systemTimer, toShnError } from '@shn/core';
import type { Clock, Rng, RuntimeEvent, Timer, TimerHandle } from '@shn/core';
import { subscribeTarget } from './gameday-target.js';
import type { GamedayShardGauge, GamedayTargetLike } from './gameday-target.js';
import { planKills } from './kill-schedule.js';
import type { KillSchedule } from './kill-schedule.js';
import { WorkloadProbe } from './workload-probe.js';
import type { WorkloadSummary } from './workload-probe.js';

/** Options of {@link gameday}. */
export interface GamedayOptions {
  /** The runtime to drive: a `ChaosTarget` from `@shn/core` (a `Runtime` of `@shn/core-mailbox` is one). */
  readonly target: GamedayTargetLike;
  readonly schedule: KillSchedule;
  /** Runs during the whole gameday; must loop until `probe.stopped` and then return. */
  readonly workload: (probe: WorkloadProbe) => Promise<void>;
  /** How long kills go on, ms; `Infinity` to run until `signal` aborts. */
  readonly durationMs: number;
  /** How long a killed shard may take to come back before the kill counts as not recovered, ms (default 10 000). */
  readonly recoveryTimeoutMs?: number;
  /** Stops the gameday early (then it finishes like at the end of `durationMs`). */
  readonly signal?: AbortSignal;
  /** Called on every kill and recovery, with a running summary of the workload. Must not throw. */
  readonly onProgress?: (progress: GamedayProgress) => void;
  /** Events kept in the report (default 1000; later ones are only counted). */
  readonly maxEvents?: number;
  readonly clock?: Clock;
  readonly timer?: Timer;
  /** Picks shards and gaps of `random` schedules (default `seededRng(1)`). */
  readonly rng?: Rng;
}

/** One kill as it happened. */
export interface KillRecord {
  readonly shard: number;
  /** When the kill was issued, ms from the start. */
  readonly atMs: number;
  /** From issuing the kill until every shard was up again, ms; undefined if not within `recoveryTimeoutMs`. */
  readonly recoveredAfterMs: number | undefined;
  /** Why the kill or the recovery failed, if it did. */
  readonly error?: string;
}

/** A progress notification. */
export type GamedayProgress =
  | { readonly type: 'kill'; readonly shard: number; readonly atMs: number; readonly workload: WorkloadSummary }
  | { readonly type: 'recovered'; readonly shard: number; readonly atMs: number; readonly afterMs: number; readonly workload: WorkloadSummary }
  | { readonly type: 'not-recovered'; readonly shard: number; readonly atMs: number; readonly error: string; readonly workload: WorkloadSummary };

/** What a gameday found. */
export interface GamedayReport {
  /** Wall time of the whole gameday, ms. */
  readonly durationMs: number;
  readonly kills: readonly KillRecord[];
  readonly workload: WorkloadSummary;
  /** The workload's own failure (it threw), if any. */
  readonly workloadError: string | undefined;
  /** Lifecycle events of the target (through `subscribe`), up to `maxEvents`. */
  readonly events: readonly RuntimeEvent[];
  readonly eventsDropped: number;
  /** Gauges after the final readiness check. */
  readonly gauges: readonly GamedayShardGauge[];
  /** Whether every shard was up at the end. */
  readonly readyAtEnd: boolean;
  /** Every kill recovered, the target ended ready, the workload did not throw and reported no violations. */
  readonly survived: boolean;
}

/**
 * Runs a gameday: kills shard threads on a schedule while `workload` runs, waits for recovery
 * after each kill, and reports what the workload observed (errors by code, latency,
 * violations), the target's events and how each kill went.
 *
 * A kill is issued only when every shard is up (otherwise the gameday first waits up to
 * `recoveryTimeoutMs`), so kills never stack. When the duration ends (or `signal` aborts)
 * no more kills are issued, the workload is told to stop and awaited, and readiness is
 * checked one last time.
 *
 * @throws ShnError `INVALID_ARGUMENT` for bad options or schedules (before anything runs).
 */
export async function gameday(options: GamedayOptions): Promise<GamedayReport> {
  const { target, workload } = options;
  if (typeof target?.killShard !== 'function' || typeof target.whenReady !== 'function' || typeof target.gauges !== 'function') {
    throw new ShnError('INVALID_ARGUMENT', 'gameday target needs shards, killShard, whenReady and gauges');
  }
  if (typeof workload !== 'function') throw new ShnError('INVALID_ARGUMENT', 'gameday needs a workload function');
  const durationMs = options.durationMs;
  if (typeof durationMs !== 'number' || Number.isNaN(durationMs) || durationMs < 0) {
    throw new ShnError('INVALID_ARGUMENT', `durationMs must be a number >= 0 (Infinity allowed), got ${String(durationMs)}`);
  }
  const recoveryTimeoutMs = options.recoveryTimeoutMs ?? 10_000;
  if (!(recoveryTimeoutMs > 0) || !Number.isFinite(recoveryTimeoutMs)) {
    throw new ShnError('INVALID_ARGUMENT', `recoveryTimeoutMs must be a finite number > 0, got ${String(recoveryTimeoutMs)}`);
  }
  const maxEvents = options.maxEvents ?? 1000;
  const clock = options.clock ?? systemClock;
  const timer = options.timer ?? systemTimer;
  const plan = planKills(options.schedule, target.shards, options.rng ?? seededRng(1))[Symbol.iterator]();

  let stopped = false;
  let wakeStop: () => void = () => undefined;
  const stoppedP = new Promise<void>((resolve) => {
    wakeStop = resolve;
  });
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    wakeStop();
  };
  const start = clock.monotonic();
  const elapsed = (): number => clock.monotonic() - start;

  const events: RuntimeEvent[] = [];
  let eventsDropped = 0;
  const unsubscribe = subscribeTarget(target, (e) => {
    if (events.length < maxEvents) events.push(e);
    else eventsDropped++;
  });
  const onAbort = (): void => stop();
  if (options.signal?.aborted === true) stop();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const durationHandle = Number.isFinite(durationMs) ? timer.setTimeout(stop, durationMs) : undefined;

  const probe = new WorkloadProbe(clock, () => stopped);
  let workloadError: string | undefined;
  const workloadDone = Promise.resolve()
    .then(() => workload(probe))
    .catch((e: unknown) => {
      workloadError = toShnError(e).message;
    });

  /** Resolves true when `p` settles first (false if it rejects), 'timeout' when `ms` pass first. */
  const within = async (p: Promise<unknown>, ms: number): Promise<true | string> => {
    let handle: TimerHandle | undefined;
    const timeout = new Promise<string>((resolve) => {
      handle = timer.setTimeout(() => resolve(`not ready within ${ms} ms`), ms);
    });
    try {
      return await Promise.race([p.then((): true => true, (e: unknown) => toShnError(e).message), timeout]);
    } finally {
      if (handle !== undefined) timer.clearTimeout(handle);
    }
  };
  const sleepUntil = async (atMs: number): Promise<void> => {
    const wait = atMs - elapsed();
    if (wait <= 0) return;
    let handle: TimerHandle | undefined;
    await Promise.race([stoppedP, new Promise<void>((resolve) => (handle = timer.setTimeout(resolve, wait)))]);
    if (handle !== undefined) timer.clearTimeout(handle);
  };
  const progress = (p: GamedayProgress): void => {
    try {
      options.onProgress?.(p);
    } catch {
      // A progress callback must not break the gameday.
    }
  };

  const kills: KillRecord[] = [];
  try {
    for (;;) {
      const next = plan.next();
      if (next.done === true || stopped || next.value.atMs >= durationMs) break;
      await sleepUntil(next.value.atMs);
      if (stopped) break;
      const before = await within(target.whenReady(), recoveryTimeoutMs);
      if (stopped) break;
      const shard = next.value.shard;
      const atMs = elapsed();
      if (before !== true) {
        kills.push({ shard, atMs, recoveredAfterMs: undefined, error: `skipped: target ${before}` });
        progress({ type: 'not-recovered', shard, atMs, error: `skipped: target ${before}`, workload: probe.summary() });
        continue;
      }
      progress({ type: 'kill', shard, atMs, workload: probe.summary() });
      const killed = await within(target.killShard(shard), recoveryTimeoutMs);
      const back = killed === true ? await within(target.whenReady(), recoveryTimeoutMs) : `kill failed: ${killed}`;
      if (back === true) {
        const afterMs = elapsed() - atMs;
        kills.push({ shard, atMs, recoveredAfterMs: afterMs });
        progress({ type: 'recovered', shard, atMs, afterMs, workload: probe.summary() });
      } else {
        kills.push({ shard, atMs, recoveredAfterMs: undefined, error: back });
        progress({ type: 'not-recovered', shard, atMs, error: back, workload: probe.summary() });
      }
    }
    await stoppedP;
  } finally {
    stop();
    if (durationHandle !== undefined) timer.clearTimeout(durationHandle);
    options.signal?.removeEventListener('abort', onAbort);
  }
  await workloadDone;
  const readyAtEnd = (await within(target.whenReady(), recoveryTimeoutMs)) === true;
  unsubscribe?.();
  const summary = probe.summary();
  return {
    durationMs: elapsed(),
    kills,
    workload: summary,
    workloadError,
    events,
    eventsDropped,
    gauges: target.gauges(),
    readyAtEnd,
    survived: readyAtEnd && workloadError === undefined && summary.violations === 0 && kills.every((k) => k.recoveredAfterMs !== undefined),
  };
}

import { ShnError, hasCode, systemClock, systemTimer, toShnError } from '@shn/core';
import type { Clock, RuntimeHandle, Timer } from '@shn/core';
import { TELEMETRY_KIND, TELEMETRY_MESSAGES } from './telemetry-kinds.js';
import type { TelemetryRuntime } from './telemetry-runtime.js';

/** Options of {@link createHealthProbes}. */
export interface HealthOptions {
  /** The runtime; with `refOnShard` (a {@link TelemetryRuntime}), readiness also pings every shard. */
  readonly runtime: RuntimeHandle | TelemetryRuntime;
  /** How long a shard may take to answer a readiness ping, ms (default 250, in [1, 5000]). */
  readonly pingTimeoutMs?: number;
  readonly clock?: Clock;
  readonly timer?: Timer;
}

/** One probe's answer: HTTP status and body. */
export interface ProbeResult {
  /** 200 when the check passes, 503 when it fails. */
  readonly status: 200 | 503;
  readonly contentType: string;
  readonly body: string;
}

/** The detail of one shard in a verbose readiness answer. */
export interface ShardHealth {
  readonly shard: number;
  readonly state: string;
  readonly ok: boolean;
  /** Ping round trip, ms, when the shard answered. */
  readonly pingMs?: number;
  readonly error?: string;
  readonly mailboxDepth: number;
  readonly busyRatio: number;
  readonly restarts: number;
}

/** Kubernetes probes for one runtime. Each answers within about `pingTimeoutMs`, never hangs. */
export interface HealthProbes {
  /** `/livez`: the process serves and supervision has not given up (`failed` unset). */
  livez(verbose?: boolean): Promise<ProbeResult>;
  /** `/readyz`: every shard is up and answers a ping in time; a stuck or restarting shard fails it. */
  readyz(verbose?: boolean): Promise<ProbeResult>;
  /** `/startupz`: the runtime has been ready once (then it stays 200, as Kubernetes expects). */
  startupz(verbose?: boolean): Promise<ProbeResult>;
  /** Stops listening to the runtime's events. */
  close(): void;
}

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

function answer(name: string, ok: boolean, verbose: boolean, detail: Record<string, unknown>, reason: string): ProbeResult {
  const status = ok ? 200 : 503;
  if (verbose) return { status, contentType: JSON_TYPE, body: `${JSON.stringify({ probe: name, status: ok ? 'ok' : 'failed', ...(ok ? {} : { reason }), ...detail })}\n` };
  return { status, contentType: TEXT, body: ok ? 'ok\n' : `${name} check failed: ${reason}\n` };
}

/**
 * Liveness, readiness and startup probes with Kubernetes semantics, for any {@link RuntimeHandle}.
 * Readiness pings each shard's `shn.telemetry` kind (when the runtime can pin refs and the
 * system has the kind) with a short timeout, so a shard stuck in a loop fails readiness instead
 * of hanging the probe; a system without the kind is judged by the shard states alone.
 * @throws ShnError `INVALID_ARGUMENT` for bad options.
 */
export function createHealthProbes(options: HealthOptions): HealthProbes {
  const runtime = options?.runtime;
  if (typeof runtime?.shardStates !== 'function' || typeof runtime.gauges !== 'function' || typeof runtime.subscribe !== 'function') {
    throw new ShnError('INVALID_ARGUMENT', 'health probes need { runtime } (a RuntimeHandle)');
  }
  const pingTimeoutMs = options.pingTimeoutMs ?? 250;
  if (!Number.isFinite(pingTimeoutMs) || pingTimeoutMs < 1 || pingTimeoutMs > 5000) {
    throw new ShnError('INVALID_ARGUMENT', `health pingTimeoutMs must be in [1, 5000], got ${String(pingTimeoutMs)}`);
  }
  const clock = options.clock ?? systemClock;
  const timer = options.timer ?? systemTimer;
  const pinnable = typeof (runtime as TelemetryRuntime).refOnShard === 'function' ? (runtime as TelemetryRuntime) : undefined;
  let started = runtime.ready;
  const unsubscribe = runtime.subscribe({
    onEvent(e) {
      if (!started && (e.type === 'shard-started' || e.type === 'shard-restarted') && runtime.ready) started = true;
    },
  });

  const ping = (shard: number): Promise<{ ms?: number; error?: string }> => {
    if (pinnable === undefined) return Promise.resolve({});
    const t0 = clock.monotonic();
    return new Promise((resolve) => {
      let done = false;
      const finish = (r: { ms?: number; error?: string }): void => {
        if (done) return;
        done = true;
        timer.clearTimeout(guard);
        resolve(r);
      };
      // The ask has its own timeout; this guard only makes sure the probe can never hang.
      const guard = timer.setTimeout(() => finish({ error: `no answer within ${pingTimeoutMs} ms` }), pingTimeoutMs + 50);
      guard.unref?.();
      let asked: Promise<unknown>;
      try {
        asked = pinnable.refOnShard(shard, TELEMETRY_KIND, String(shard)).ask(TELEMETRY_MESSAGES.ping, null, { timeoutMs: pingTimeoutMs });
      } catch (e) {
        finish({ error: toShnError(e).message });
        return;
      }
      asked.then(
        () => finish({ ms: clock.monotonic() - t0 }),
        (e: unknown) => {
          // A system without the telemetry kind cannot be pinged: the shard state decides alone.
          if (hasCode(e, 'ACTOR_NOT_FOUND')) finish({});
          else if (hasCode(e, 'TIMEOUT') || hasCode(e, 'DEADLINE_EXCEEDED')) finish({ error: `no answer within ${pingTimeoutMs} ms (stuck or saturated)` });
          else finish({ error: `${toShnError(e).code}: ${toShnError(e).message}` });
        },
      );
    });
  };

  return {
    livez(verbose = false): Promise<ProbeResult> {
      const failed = runtime.failed;
      return Promise.resolve(answer('livez', failed === undefined, verbose, { node: runtime.node, shards: runtime.shards }, failed?.message ?? ''));
    },

    async readyz(verbose = false): Promise<ProbeResult> {
      const gauges = runtime.gauges();
      const details: ShardHealth[] = await Promise.all(
        gauges.map(async (g): Promise<ShardHealth> => {
          const base = { shard: g.shard, state: g.state, mailboxDepth: g.mailboxDepth, busyRatio: g.busyRatio, restarts: g.restarts };
          if (g.state !== 'up') return { ...base, ok: false, error: `shard is ${g.state}` };
          const p = await ping(g.shard);
          return p.error === undefined ? { ...base, ok: true, ...(p.ms === undefined ? {} : { pingMs: p.ms }) } : { ...base, ok: false, error: p.error };
        }),
      );
      const bad = details.filter((d) => !d.ok);
      const failed = runtime.failed;
      const ok = failed === undefined && bad.length === 0 && runtime.ready;
      if (ok) started = true;
      const reason = failed?.message ?? (bad.length > 0 ? bad.map((d) => `shard ${d.shard}: ${d.error ?? d.state}`).join('; ') : 'runtime is not ready');
      return answer('readyz', ok, verbose, { node: runtime.node, shards: details }, reason);
    },

    startupz(verbose = false): Promise<ProbeResult> {
      if (!started && runtime.ready) started = true;
      return Promise.resolve(answer('startupz', started, verbose, { node: runtime.node, states: runtime.shardStates() }, 'the runtime has not been ready yet'));
    },

    close: unsubscribe,
  };
}

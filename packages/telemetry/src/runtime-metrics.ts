import { ShnError } from '@shn/core';
import type { RuntimeEvent, RuntimeHandle } from '@shn/core';
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

/** The metric names {@link registerRuntimeMetrics} registers (all carry a `shard` label but the runtime-wide ones). */
export const RUNTIME_METRICS = Object.freeze({
  up: 'shn_shard_up',
  mailboxDepth: 'shn_shard_mailbox_depth',
  busyRatio: 'shn_shard_busy_ratio',
  processed: 'shn_shard_processed_messages',
  restarts: 'shn_shard_restarts_total',
  crashes: 'shn_shard_crashes_total',
  actorRestarts: 'shn_actor_restarts_total',
  lost: 'shn_messages_lost_total',
  ready: 'shn_runtime_ready',
  failed: 'shn_runtime_failed',
});

/**
 * Registers the main thread's runtime metrics, read from a {@link RuntimeHandle} at scrape time
 * (`gauges()` reads shared counters; no message crosses a thread) and from its lifecycle events:
 *
 * - `shn_shard_up{shard}` 1 while the shard is up; `shn_shard_mailbox_depth{shard}` frames queued;
 *   `shn_shard_busy_ratio{shard}` 0..1 saturation; `shn_shard_processed_messages{shard}` handled
 *   since the thread (re)started; `shn_shard_restarts_total{shard}`;
 * - `shn_shard_crashes_total{shard}`, `shn_actor_restarts_total{shard}`, `shn_messages_lost_total{shard}` (events);
 * - `shn_runtime_ready` and `shn_runtime_failed` (0/1).
 *
 * Returns the function that unsubscribes from the runtime's events.
 * @throws ShnError `INVALID_ARGUMENT` if `runtime` is not a RuntimeHandle or the names are taken.
 */
export function registerRuntimeMetrics(registry: Registry, runtime: RuntimeHandle): () => void {
  if (typeof runtime?.gauges !== 'function' || typeof runtime.subscribe !== 'function') {
    throw new ShnError('INVALID_ARGUMENT', 'runtime metrics need a RuntimeHandle (gauges() and subscribe())');
  }
  const taken = Object.values(RUNTIME_METRICS).find((n) => registry.getSingleMetric(n) !== undefined);
  if (taken !== undefined) throw new ShnError('INVALID_ARGUMENT', `runtime metrics: ${taken} is already registered`);
  const registers = [registry];
  const shardGauge = (name: string, help: string, pick: (g: ReturnType<RuntimeHandle['gauges']>[number]) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['shard'],
      registers,
      collect() {
        this.reset();
        for (const g of runtime.gauges()) this.set({ shard: String(g.shard) }, pick(g));
      },
    });
  };
  shardGauge(RUNTIME_METRICS.up, 'Whether the shard thread is up (1) or starting, restarting or down (0).', (g) => (g.state === 'up' ? 1 : 0));
  shardGauge(RUNTIME_METRICS.mailboxDepth, 'Messages queued towards the shard: its inbound rings plus its actors mailboxes.', (g) => g.mailboxDepth);
  shardGauge(RUNTIME_METRICS.busyRatio, 'Fraction of wall time the shard spent running actor code over the last sample window (saturation), 0..1.', (g) => g.busyRatio);
  shardGauge(RUNTIME_METRICS.processed, 'Messages the shard handled since its thread last started.', (g) => g.processed);
  new Counter({
    name: RUNTIME_METRICS.restarts,
    help: 'Times the supervisor restarted the shard thread.',
    labelNames: ['shard'],
    registers,
    collect() {
      this.reset();
      for (const g of runtime.gauges()) this.inc({ shard: String(g.shard) }, g.restarts);
    },
  });
  const crashes = new Counter({ name: RUNTIME_METRICS.crashes, help: 'Shard threads that died (crashed or were killed).', labelNames: ['shard'], registers });
  const actorRestarts = new Counter({ name: RUNTIME_METRICS.actorRestarts, help: 'Actors restarted by their supervisor after a failure.', labelNames: ['shard'], registers });
  const lost = new Counter({ name: RUNTIME_METRICS.lost, help: 'Messages reported lost (shard crash in flight, undeliverable tell, corrupt frame).', labelNames: ['shard'], registers });
  new Gauge({
    name: RUNTIME_METRICS.ready,
    help: 'Whether every shard is up and accepting work (1) or not (0).',
    registers,
    collect() {
      this.set(runtime.ready ? 1 : 0);
    },
  });
  new Gauge({
    name: RUNTIME_METRICS.failed,
    help: 'Whether supervision gave up (1): the runtime is unusable.',
    registers,
    collect() {
      this.set(runtime.failed === undefined ? 0 : 1);
    },
  });
  for (let s = 0; s < runtime.shards; s++) {
    crashes.inc({ shard: String(s) }, 0);
    lost.inc({ shard: String(s) }, 0);
    actorRestarts.inc({ shard: String(s) }, 0);
  }
  return runtime.subscribe({
    onEvent(event: RuntimeEvent): void {
      if (event.type === 'shard-crashed') crashes.inc({ shard: String(event.shard) });
      else if (event.type === 'actor-restarted') actorRestarts.inc({ shard: String(event.shard) });
      else if (event.type === 'message-lost') lost.inc({ shard: String(event.shard) });
    },
  });
}

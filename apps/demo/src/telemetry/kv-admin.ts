/**
 * The admin port's telemetry endpoints: @shn/telemetry's admin handler (`/metrics` merging every
 * shard's registry with the main thread's, the probes with `?verbose`, `/debug/profile`,
 * `/debug/heap`) over the running runtime, with the runtime gauges registered in the main
 * thread's registry.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Runtime } from '@shn/core-mailbox';
import { createAdminHandler, createTelemetry, registerRuntimeMetrics } from '@shn/telemetry';
import { kvTelemetry } from './kv-telemetry.js';

/**
 * The handler for `runtime`. With `--telemetry off` there are no per-thread registries: the
 * handler still serves the probes and profiles, and `/metrics` carries the runtime gauges only.
 */
export function createKvAdminHandler(runtime: Runtime): KvAdminHandler {
  const shared = kvTelemetry()?.telemetry.registry;
  // The thread's registry carries one runtime's gauges. A second server in the same process (tests
  // start several) gets a registry of its own, with the runtime gauges but not the thread's metrics.
  const registry = shared !== undefined && shared.getSingleMetric('shn_shard_up') === undefined ? shared : createTelemetry({ metrics: false, logs: false }).registry;
  const stop = registerRuntimeMetrics(registry, runtime);
  const handler = createAdminHandler({ runtime, registry });
  return {
    handle: (req, res) => handler(req, res),
    ready: async () => (await handler.probes.readyz(false)).status === 200,
    close: () => {
      stop();
      handler.close();
    },
  };
}

/** What the admin server needs from telemetry. */
export interface KvAdminHandler {
  /** Serves `/metrics`, `/debug/*` and the verbose probes. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** @shn/telemetry's readiness: every shard up and answering a ping within 250 ms. */
  ready(): Promise<boolean>;
  close(): void;
}

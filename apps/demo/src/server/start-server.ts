import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ShnError, systemClock, type Clock } from '@shn/core';
import { createRuntime, type Runtime } from '@shn/core-mailbox';
import { CommandExecutor } from '../kv/command-executor.js';
import { listenAdmin, type AdminListener } from './admin-server.js';
import type { ConnectionLimits } from './connection.js';
import { listenKv, type KvListener } from './kv-server.js';
import { RuntimeBackend } from './runtime-backend.js';
import { ServerCounters } from './server-counters.js';
import type { KvSystemParams } from '../kv/system.js';
import type { ChaosSystemParams } from '../chaos/chaos-system.js';

/** Options for {@link startServer}. */
export interface StartServerOptions {
  /** RESP port (default 6380; 0 = ephemeral). */
  readonly port?: number;
  /** Interface for both listeners (default 127.0.0.1). */
  readonly host?: string;
  /** Admin HTTP port (default 9464; 0 = ephemeral). */
  readonly adminPort?: number;
  /** Shard threads (default: available cores). */
  readonly shards?: number;
  /** Bytes per shard ring (default 4 MiB; the largest request is about half of it). */
  readonly ringCapacity?: number;
  /** Per-ask timeout, ms (default 5000). */
  readonly askTimeoutMs?: number;
  /** The kv system module (default: the compiled `dist/kv/system.js`). */
  readonly systemModule?: URL;
  /**
   * Params of the system module, handed to every shard thread (`createRuntime({ params })`):
   * {@link KvSystemParams} for the default module, `ChaosSystemParams` for the chaos module.
   */
  readonly params?: KvSystemParams | ChaosSystemParams;
  readonly limits?: Partial<ConnectionLimits>;
  readonly clock?: Clock;
}

/** A running shn-kv server. */
export interface RunningServer {
  /** Bound RESP port. */
  readonly port: number;
  /** Bound admin HTTP port. */
  readonly adminPort: number;
  /** The shard runtime (for tests and tooling: gauges, killShard). */
  readonly runtime: Runtime;
  /** Graceful stop: close both listeners and client connections, then `runtime.close()`. Idempotent. */
  close(): Promise<void>;
}

/** Ports shn-kv refuses to bind because real services own them on this machine. */
export const RESERVED_PORTS: ReadonlySet<number> = new Set([6379, 4222, 5432, 5672, 3306, 1883]);

/**
 * The compiled system module. From `dist/` it sits next to this file; when this file runs
 * from TypeScript sources (vitest, tsx) the built `dist/kv/system.js` is used, so shard
 * threads run plain JavaScript. Run `pnpm build` first in that case.
 *
 * @throws ShnError `INVALID_ARGUMENT` if the module has not been built.
 */
export function defaultSystemModule(): URL {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = fromSource ? new URL('../../dist/kv/system.js', import.meta.url) : new URL('../kv/system.js', import.meta.url);
  if (!existsSync(fileURLToPath(url))) {
    throw new ShnError('INVALID_ARGUMENT', `kv system module not found at ${url.href}; run \`pnpm build\` in apps/demo`);
  }
  return url;
}

/**
 * Starts shn-kv: the admin HTTP server first (so /startupz answers 503 while shards start),
 * then the shard runtime, then the RESP listener.
 *
 * @throws ShnError `INVALID_ARGUMENT` for bad options or a reserved port, `TRANSPORT_FAILED`
 *   if a port cannot be bound, `RUNTIME_FAILED` if shards do not start. Whatever started is
 *   stopped again before the error is thrown.
 */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const port = options.port ?? 6380;
  const adminPort = options.adminPort ?? 9464;
  for (const p of [port, adminPort]) {
    if (RESERVED_PORTS.has(p)) throw new ShnError('INVALID_ARGUMENT', `port ${p} belongs to another service on this machine; pick another`);
  }
  const shards = options.shards ?? availableParallelism();
  const clock = options.clock ?? systemClock;
  let started = false;
  let closing = false;
  let runtime: Runtime | undefined;
  let kv: KvListener | undefined;
  const counters = new ServerCounters();

  const admin: AdminListener = await listenAdmin({
    host: options.host,
    port: adminPort,
    health: {
      started: () => started,
      readiness: () => {
        if (runtime === undefined || closing) return { ready: false, notReady: [{ reason: closing ? 'closing' : 'starting' }] };
        const notReady = runtime.gauges().filter((g) => g.state !== 'up').map((g) => ({ shard: g.shard, state: g.state }));
        return { ready: runtime.ready && notReady.length === 0 && !runtime.failed, notReady };
      },
      info: () => ({
        started,
        port: kv?.port,
        connectedClients: counters.connectedClients,
        totalConnections: counters.totalConnections,
        totalCommands: counters.totalCommands,
        protocolErrors: counters.protocolErrors,
        shards: runtime?.gauges() ?? [],
      }),
    },
  });
  const ringCapacity = options.ringCapacity ?? 4 * 1024 * 1024;
  // One message's payload: 1/32 of the ring. Requests in flight per shard: 1/8 of it. The ring
  // releases consumed frames lazily and pads at its end, so its occupancy can reach about twice
  // what is in flight plus one frame; these bounds keep it far from full, so a batch is never
  // refused (a refusal is retried, but could let a later batch to that shard overtake it).
  const messageBudget = Math.max(1024, Math.floor(ringCapacity / 32));
  try {
    runtime = await createRuntime({
      system: options.systemModule ?? defaultSystemModule(),
      shards,
      ringCapacity,
      params: { ...options.params, messageBudget },
    });
    const backend = new RuntimeBackend(runtime, { askTimeoutMs: options.askTimeoutMs ?? 5000, maxInflightBytes: Math.floor(ringCapacity / 8), messageBudget, onRefused: () => counters.shardRefusals++ });
    const executor = new CommandExecutor({ backend, clock, stats: () => counters });
    kv = await listenKv({ router: executor, counters, host: options.host, port, limits: options.limits });
    started = true;
  } catch (err) {
    await admin.close();
    await runtime?.close().catch(() => undefined);
    throw err;
  }
  const rt = runtime;
  const listener = kv;
  let closed: Promise<void> | undefined;
  return {
    port: listener.port,
    adminPort: admin.port,
    runtime: rt,
    close: () => {
      closing = true;
      closed ??= (async () => {
        await listener.close();
        await rt.close();
        await admin.close();
      })();
      return closed;
    },
  };
}

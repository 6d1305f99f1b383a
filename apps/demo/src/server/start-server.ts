import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { ShnError, systemClock, type Clock } from '@shn/core';
import { createRuntime, type Runtime } from '@shn/core-mailbox';
import { CommandExecutor } from '../kv/command-executor.js';
import { listenAdmin, type AdminListener } from './admin-server.js';
import { createKvAdminHandler, type KvAdminHandler } from '../telemetry/kv-admin.js';
import { kvTelemetry } from '../telemetry/kv-telemetry.js';
import type { ConnectionLimits } from './connection.js';
import { listenKv, type KvListener } from './kv-server.js';
import { RuntimeBackend } from './runtime-backend.js';
import { reusePortSupport, type ConnectionMode, type ConnectionModeRequest } from './connection-mode.js';
import type { ShardListenRequest } from './shard-listener.js';
import { ServerCounters } from './server-counters.js';
import type { KvSystemParams } from '../kv/system.js';
import type { ChaosSystemParams } from '../chaos/chaos-system.js';
import { aclGate, loadKvAclConfig } from '../security/kv-acl.js';
import { listenKvTls, type KvTlsListener, type KvTlsOptions } from '../security/kv-tls.js';
import type { CertificateFacts } from '@shn/security';
import { createAdmission, type AdmissionConfig } from '../admission/admission-config.js';
import { prepareKvPersistence, type KvPersistenceOptions } from '../persistence/kv-persistence-params.js';

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
  /**
   * How connections are served (default `auto`): `shard-owned` makes every shard listen on the
   * port with `reusePort` and parse RESP itself (Node >= 22.12 / 23.1 on Linux); `gateway`
   * parses in the main thread and hops to the shards. `auto` picks shard-owned where it works
   * and falls back to the gateway, saying why ({@link RunningServer.connectionMode}).
   */
  readonly connections?: ConnectionModeRequest;
  /** `--requirepass`: the default user's password; every connection must AUTH first. */
  readonly requirePass?: string;
  /** `--aclfile`: a Redis aclfile (`user <name> <rules...>` per line), read once at start. */
  readonly aclFile?: string;
  /** An extra TLS port, served by the main thread in both connection modes (see kv-tls.ts). */
  readonly tls?: KvTlsOptions;
  /**
   * Admission control (default: off): a token bucket per connection and a global adaptive limit
   * (the main thread's in gateway mode, one per shard in shard-owned mode); the excess is
   * answered `-BUSY ...`. Off, TCP backpressure alone bounds memory.
   */
  readonly admission?: AdmissionConfig;
  /**
   * Persistence in a data directory (`--dir`): each shard's keys are checkpointed at an interval,
   * on SAVE/BGSAVE and on shutdown, and restored on restart; with `appendonly`, every write is
   * logged before its reply. Absent (the default): keys live in memory only.
   */
  readonly persistence?: KvPersistenceOptions;
}

/** A running shn-kv server. */
export interface RunningServer {
  /** Bound RESP port. */
  readonly port: number;
  /** Bound admin HTTP port. */
  readonly adminPort: number;
  /** The shard runtime (for tests and tooling: gauges, killShard). */
  readonly runtime: Runtime;
  /** How connections are served, and why (INFO's `connection_mode` says the same). */
  readonly connectionMode: { readonly mode: ConnectionMode; readonly reason: string };
  /** Bound TLS port, when `tls` was given. */
  readonly tlsPort?: number;
  /**
   * Reloads the TLS certificate files (SIGHUP) for new handshakes.
   * @throws ShnError `INVALID_ARGUMENT` when there is no TLS port or the new files are unusable (the old stay).
   */
  reloadTls(): Promise<CertificateFacts>;
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
  for (const p of [port, adminPort, ...(options.tls === undefined ? [] : [options.tls.port])]) {
    if (RESERVED_PORTS.has(p)) throw new ShnError('INVALID_ARGUMENT', `port ${p} belongs to another service on this machine; pick another`);
  }
  const shards = options.shards ?? availableParallelism();
  const clock = options.clock ?? systemClock;
  const acl = loadKvAclConfig(options); // reads and checks --aclfile before anything starts
  let started = false;
  let closing = false;
  let runtime: Runtime | undefined;
  let kv: KvListener | undefined;
  let tlsListener: KvTlsListener | undefined;
  const counters = new ServerCounters();
  let mode: { mode: ConnectionMode; reason: string } = { mode: 'gateway', reason: 'starting' };
  let shardListen: ShardListenRequest | undefined;
  let unsubscribe: (() => void) | undefined;
  let telemetryAdmin: KvAdminHandler | undefined;

  const admin: AdminListener = await listenAdmin({
    host: options.host,
    port: adminPort,
    telemetry: () => telemetryAdmin,
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
    const persistence = options.persistence === undefined ? undefined : await prepareKvPersistence(options.persistence, shards);
    runtime = await createRuntime({
      system: options.systemModule ?? defaultSystemModule(),
      shards,
      ringCapacity,
      params: { ...options.params, messageBudget, ...(persistence === undefined ? {} : { persistence }) },
    });
    telemetryAdmin = createKvAdminHandler(runtime);
    const kvt = kvTelemetry(); // the main thread's, just made by the system module
    const instrument = kvt?.instrument;
    const askTimeoutMs = options.askTimeoutMs ?? 5000;
    const maxInflightBytes = Math.floor(ringCapacity / 8);
    const backend = new RuntimeBackend(runtime, {
      askTimeoutMs,
      maxInflightBytes,
      messageBudget,
      onRefused: () => counters.shardRefusals++,
      ...(kvt?.traceScope === undefined ? {} : { traceScope: kvt.traceScope }),
    });
    const executor = aclGate(new CommandExecutor({ backend, clock, stats: () => ({ ...counters, connectionMode: `${mode.mode} (${mode.reason})` }), ...(instrument ? { instrument } : {}) }), acl);
    const admission = options.admission === undefined ? {} : { admission: createAdmission(options.admission, options.clock) };
    const want = options.connections ?? 'auto';
    const support = reusePortSupport();
    if (want !== 'gateway' && support.ok) {
      // The main thread binds first (port 0 picks the port every shard then shares) and serves
      // as a gateway until the shards listen; then it stops accepting.
      try {
        kv = await listenKv({ router: executor, counters, host: options.host, port, limits: options.limits, reusePort: true, ...admission });
      } catch (err) {
        if (want === 'shard-owned') throw err;
        mode = { mode: 'gateway', reason: `listening with reusePort failed (${(err as Error).message}); the main thread parses and routes` };
      }
      if (kv !== undefined) {
        shardListen = { host: options.host ?? '127.0.0.1', port: kv.port, shards, askTimeoutMs, maxInflightBytes, messageBudget, ...(options.limits ? { limits: options.limits } : {}), ...(acl === undefined ? {} : { acl }), ...(options.admission ? { admission: options.admission } : {}) };
        const failure = await listenOnShards(runtime, shardListen);
        if (failure === undefined) {
          kv.stopAccepting();
          mode = { mode: 'shard-owned', reason: support.reason };
          const rt = runtime;
          const req = shardListen;
          unsubscribe = rt.on((e) => {
            // A restarted shard thread listens again (its kv actor starts on this message).
            if (e.type === 'shard-restarted' && !closing) void relisten(rt, e.shard, req, () => closing);
          });
        } else {
          await unlistenOnShards(runtime);
          shardListen = undefined;
          if (want === 'shard-owned') throw new ShnError('TRANSPORT_FAILED', `shard-owned connections failed: ${failure}`);
          mode = { mode: 'gateway', reason: `a shard could not listen with reusePort (${failure}); the main thread parses and routes` };
        }
      }
    } else {
      if (want === 'shard-owned') throw new ShnError('INVALID_ARGUMENT', `connections: 'shard-owned' is not available: ${support.reason}`);
      mode = { mode: 'gateway', reason: want === 'gateway' ? 'asked for (connections: gateway)' : `${support.reason}; the main thread parses and routes` };
    }
    kv ??= await listenKv({ router: executor, counters, host: options.host, port, limits: options.limits, ...admission });
    if (options.tls !== undefined) tlsListener = await listenKvTls({ tls: options.tls, router: executor, counters, host: options.host, limits: options.limits });
    started = true;
  } catch (err) {
    telemetryAdmin?.close();
    await kv?.close();
    if (shardListen !== undefined && runtime !== undefined) await unlistenOnShards(runtime);
    await admin.close();
    await runtime?.close().catch(() => undefined);
    throw err;
  }
  const rt = runtime;
  const listener = kv;
  let closed: Promise<void> | undefined;
  const modeNow = mode;
  return {
    port: listener.port,
    adminPort: admin.port,
    runtime: rt,
    connectionMode: modeNow,
    ...(tlsListener === undefined ? {} : { tlsPort: tlsListener.port }),
    reloadTls: () => (tlsListener === undefined ? Promise.reject(new ShnError('INVALID_ARGUMENT', 'no TLS port to reload (start with tls)')) : tlsListener.reload()),
    close: () => {
      closing = true;
      closed ??= (async () => {
        unsubscribe?.();
        await listener.close();
        await tlsListener?.close();
        if (shardListen !== undefined) await unlistenOnShards(rt);
        await rt.close();
        telemetryAdmin?.close();
        await admin.close();
      })();
      return closed;
    },
  };
}

/** Asks every shard to listen; returns undefined, or the first failure's message. */
async function listenOnShards(rt: Runtime, req: ShardListenRequest): Promise<string | undefined> {
  const results = await Promise.allSettled(Array.from({ length: rt.shards }, (_, s) => rt.refOnShard(s, 'kv', 'any').ask('listen', req, { timeoutMs: 10_000 })));
  const bad = results.find((r) => r.status === 'rejected');
  return bad === undefined ? undefined : String((bad as PromiseRejectedResult).reason?.message ?? (bad as PromiseRejectedResult).reason);
}

async function unlistenOnShards(rt: Runtime): Promise<void> {
  await Promise.allSettled(Array.from({ length: rt.shards }, (_, s) => rt.refOnShard(s, 'kv', 'any').ask('unlisten', {}, { timeoutMs: 5_000 })));
}

/** Makes a restarted shard listen again, retrying while it comes up. */
async function relisten(rt: Runtime, shard: number, req: ShardListenRequest, stopped: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 50 && !stopped(); attempt++) {
    try {
      await rt.refOnShard(shard, 'kv', 'any').ask('listen', req, { timeoutMs: 5_000 });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

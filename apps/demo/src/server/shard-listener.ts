import type { ActorContext, ShardGauges } from '@shn/core';
import { ShnError } from '@shn/core';
import { CommandExecutor } from '../kv/command-executor.js';
import { kvTelemetry } from '../telemetry/kv-telemetry.js';
import { idsOnShards, kvShardOf, kvShardOfKey } from '../kv/kv-router.js';
import type { ShardBackend } from '../kv/shard-backend.js';
import type { ShardRequest } from '../kv/shard-request.js';
import { errorReply, type Reply } from '../resp/reply.js';
import type { ConnectionLimits } from './connection.js';
import { createAdmission, type AdmissionConfig } from '../admission/admission-config.js';
import { listenKv, type KvListener } from './kv-server.js';
import { RuntimeBackend, type ShardMessenger } from './runtime-backend.js';
import { ServerCounters } from './server-counters.js';
import { aclGate, type KvAclConfig } from '../security/kv-acl.js';

/** What the main thread tells each shard when connections are shard-owned. */
export interface ShardListenRequest {
  readonly host: string;
  /** The port every shard listens on with `reusePort` (already bound, never 0). */
  readonly port: number;
  readonly shards: number;
  readonly askTimeoutMs: number;
  readonly maxInflightBytes: number;
  readonly messageBudget: number;
  readonly limits?: Partial<ConnectionLimits>;
  /** AUTH/ACL configuration; each shard builds its own engine from it. Absent: no AUTH gate. */
  readonly acl?: KvAclConfig;
  /** Admission control for this shard's connections (its own global limit); none: admit all. */
  readonly admission?: AdmissionConfig;
}

/** The kv actor of this thread, as the listener sees it (set by the actor on every start). */
export interface ShardThreadState {
  readonly shard: number;
  readonly ctx: ActorContext;
  /** Runs a request on this shard's store at once (inline); a promise when a write waits for the append-only log. */
  readonly apply: (req: ShardRequest) => Reply | Promise<Reply>;
}

let state: ShardThreadState | undefined;
let listener: Promise<KvListener> | undefined;
const counters = new ServerCounters();

/** Called by the kv actor's `start` (again after every restart of the actor). */
export function registerShardThread(s: ShardThreadState): void {
  state = s;
}

/** Ops that always travel as messages, even to this shard (the CRDT replica answers them). */
const MESSAGED: ReadonlySet<string> = new Set(['cincr', 'cget']);

/**
 * The backend of a shard-owned connection: a key this shard owns runs inline on its store;
 * any other goes to its owner over the shard-to-shard rings, batched per destination shard
 * per event-loop turn by a {@link RuntimeBackend} (same bounds and backpressure).
 */
class ShardOwnedBackend implements ShardBackend {
  readonly shardCount: number;
  constructor(
    private readonly self: number,
    private readonly remote: RuntimeBackend,
  ) {
    this.shardCount = remote.shardCount;
  }

  shardOf(key: Buffer): number {
    return kvShardOfKey(key, this.shardCount);
  }

  forKey(key: Buffer, req: ShardRequest): Reply | Promise<Reply> {
    return this.onShard(this.shardOf(key), req);
  }

  onShard(shard: number, req: ShardRequest): Reply | Promise<Reply> {
    if (shard === this.self && !MESSAGED.has(req.op)) {
      return state === undefined ? errorReply('ERR shard is restarting; the command was not applied') : state.apply(req);
    }
    return this.remote.onShard(shard, req);
  }

  gauges(): readonly ShardGauges[] {
    return [];
  }
}

/**
 * Starts this shard's RESP listener on the shared port with `reusePort` (once per thread;
 * later calls return the same listener). The kernel spreads new connections over the shards.
 * @throws ShnError `TRANSPORT_FAILED` if listening fails, `INVALID_ARGUMENT` before the kv actor started.
 */
export function ensureListening(req: ShardListenRequest): Promise<{ port: number; shard: number }> {
  const s = state;
  if (s === undefined) return Promise.reject(new ShnError('INVALID_ARGUMENT', 'the kv actor has not started on this shard'));
  if (listener === undefined) {
    const ids = idsOnShards(req.shards);
    const messenger: ShardMessenger = {
      shards: req.shards,
      shardOf: (_kind: string, id: string) => kvShardOf(`kv/${id}`, req.shards),
      refOnShard: (shard: number) => (state ?? s).ctx.ref('kv', ids[shard]!),
      gauges: () => [],
    };
    const kvt = kvTelemetry();
    const remote = new RuntimeBackend(messenger, {
      askTimeoutMs: req.askTimeoutMs,
      maxInflightBytes: req.maxInflightBytes,
      messageBudget: req.messageBudget,
      ...(kvt?.traceScope === undefined ? {} : { traceScope: kvt.traceScope }),
    });
    const backend = new ShardOwnedBackend(s.shard, remote);
    const mode = `shard-owned (every shard listens with reusePort and parses RESP itself)`;
    const instrument = kvt?.instrument;
    const executor = aclGate(new CommandExecutor({ backend, stats: () => ({ ...statsOf(counters), connectionMode: mode }), ...(instrument ? { instrument } : {}) }), req.acl);
    listener = listenKv({
      router: executor,
      counters,
      host: req.host,
      port: req.port,
      limits: req.limits,
      ...(req.admission === undefined ? {} : { admission: createAdmission(req.admission) }),
      reusePort: true,
      shard: s.shard,
      clientIds: { first: s.shard + 1, step: req.shards },
    });
    listener.catch(() => {
      listener = undefined;
    });
  }
  return listener.then((l) => ({ port: l.port, shard: s.shard }));
}

/** Closes this shard's listener and its connections (before the runtime closes). */
export async function stopListening(): Promise<void> {
  const l = listener;
  listener = undefined;
  if (l !== undefined) await (await l).close();
}

/** This thread's connection counters (INFO). */
export function shardConnectionStats(): { connectedClients: number; totalConnections: number; totalCommands: number } {
  return statsOf(counters);
}

function statsOf(c: ServerCounters) {
  return {
    tcpPort: c.tcpPort,
    connectedClients: c.connectedClients,
    totalConnections: c.totalConnections,
    totalCommands: c.totalCommands,
    outputLimitDisconnects: c.outputLimitDisconnects,
    shardRefusals: c.shardRefusals,
  };
}

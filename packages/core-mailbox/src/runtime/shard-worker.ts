/**
 * Entry point of a shard thread. Attaches to the node's rings, loads the system module,
 * hosts the shard's actors and serves frames until the main thread asks it to drain.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ShnError, createLineLogger, systemClock, systemRng, systemTimer, toShnError } from '@shn/core';
import type { Checkpoints, Envelope, Logger, RuntimeEvent, SlotContext } from '@shn/core';
import { ActorHost } from '../actors/actor-host.js';
import { InboundEnvelope, NO_HEADERS } from './mesh/envelopes.js';
import { FrameKind } from './frame/frame.js';
import { SchemaRegistry } from './frame/schema-codec.js';
import { InflightJournal } from './supervisor/inflight-journal.js';
import { jumpHashRouter } from './jump-hash-router.js';
import { MeshEndpoint } from './mesh/mesh.js';
import { Messenger } from './mesh/messenger.js';
import { STATS_FIELDS, STAT_BUSY_MS, STAT_INFLIGHT, STAT_PROCESSED, STAT_QUEUED } from './supervisor/shard-stats.js';
import { SHARD_THREAD_MARK, loadSystem } from './system-definition.js';
import type { MainToShard, ShardToMain, ShardWorkerData } from './supervisor/worker-protocol.js';

const data = workerData as ShardWorkerData;
const port = parentPort;
if (port === null) throw new Error('shard-worker must run in a worker thread');

function post(msg: ShardToMain): void {
  port?.postMessage(msg);
}

/** Journal slot marks of an inbound envelope: not journaled yet, and finished. */
const PENDING = -1;
const FINISHED = -2;

/** The default `logger` slot: JSON lines on this thread's stderr at level `info`. */
function defaultLogger(): Logger {
  return createLineLogger({ level: 'info', write: (line) => void process.stderr.write(line), clock: systemClock });
}

function buildLogger(make: ((ctx: SlotContext) => Logger) | undefined, ctx: SlotContext): Logger {
  if (make === undefined) return defaultLogger();
  const log = make(ctx);
  if (typeof log !== 'object' || log === null || typeof log.info !== 'function' || typeof log.error !== 'function') {
    throw new ShnError('INVALID_ARGUMENT', 'the logger slot must return a Logger { debug, info, warn, error, child? }');
  }
  return log;
}

async function main(): Promise<void> {
  (globalThis as Record<symbol, unknown>)[SHARD_THREAD_MARK] = data.systemUrl;
  const system = await loadSystem(data.systemUrl, data.params);
  delete (globalThis as Record<symbol, unknown>)[SHARD_THREAD_MARK];
  const slotCtx: SlotContext = { node: data.node, shard: data.shard, clock: systemClock, timer: systemTimer, rng: systemRng };
  const log = buildLogger(system.logger, slotCtx);
  const checkpoints: Checkpoints | undefined = system.checkpoints?.(slotCtx);
  const self = data.shard + 1;
  const mesh = new MeshEndpoint(data.mesh, self);
  const journal = new InflightJournal(data.journal);
  const stats = new Float64Array(data.stats, self * STATS_FIELDS * 8, STATS_FIELDS);
  const middleware = system.middleware ?? [];
  let draining = false;
  let drainDeadline = 0;
  // Replies that found their ring full wait here; they are retried after every batch.
  const backlog: Array<{ to: number; correlation: number; error: ShnError | undefined; result: unknown; about: Envelope | undefined }> = [];

  const messenger: Messenger = new Messenger({
    mesh,
    node: data.node,
    shards: data.shards,
    router: system.router ?? jumpHashRouter(),
    middleware,
    defaultAskTimeoutMs: data.defaultAskTimeoutMs,
    correlationBase: (data.generation * 0x01000000) >>> 0,
    local: (env, reply) => host.deliver(env, reply),
    kinds: new Set(Object.keys(system.kinds)),
    schemas: new SchemaRegistry(system.messages),
    onEvent: (event) => emit(event),
  });

  function emit(event: RuntimeEvent): void {
    post({ t: 'event', event });
  }
  const host: ActorHost = new ActorHost({
    node: data.node,
    shard: data.shard,
    kinds: system.kinds,
    middleware,
    log,
    ...(system.runQueue === undefined ? {} : { runQueue: system.runQueue }),
    ...(checkpoints === undefined ? {} : { checkpoints }),
    refFor: (kind, id) => messenger.ref(kind, id),
    onEvent: emit,
    onDone: finished,
    onEscalate: (actor, error) => post({ t: 'escalated', actor, error: error.message }),
    // Yield between turns with setImmediate: a 0 ms timer is clamped to ~1 ms by Node.
    yieldTurn: (fn) => setImmediate(fn),
  });

  const reply = (to: number, correlation: number, error: ShnError | undefined, result: unknown, about?: Envelope): void => {
    if (backlog.length > 0 || !messenger.sendReply(to, correlation, error, result, about)) {
      backlog.push({ to, correlation, error, result, about });
    }
  };

  /**
   * One shared completion callback for every message (the host's onDone: no closure and no
   * wrapper per message). A function declaration, hoisted: the host takes it before this line.
   */
  function finished(error: ShnError | undefined, result: unknown, done: Envelope): void {
    if (!(done instanceof InboundEnvelope)) return;
    const slot = InboundEnvelope.slot(done);
    if (slot >= 0) journal.done(slot);
    InboundEnvelope.setSlot(done, FINISHED);
    if (InboundEnvelope.isAsk(done)) reply(InboundEnvelope.sender(done), InboundEnvelope.correlation(done), error, result, done);
    else if (error !== undefined && error.code !== 'ACTOR_FAILED') {
      // A tell that could not run (unknown kind, deadline passed, actor gone): report, never drop silently.
      emit({ type: 'message-lost', shard: data.shard, at: systemClock.now(), reason: error.message, envelope: { to: done.to, type: done.type } });
    }
  }


  // One busy turn per batch of inbound frames (opened by the batch's first frame, closed by onBatch):
  // the shard's busy time is read from the clock per batch, not per message.
  let inTurn = false;
  const handle = (from: number, bytes: Uint8Array, offset: number, length: number, begin: () => void): boolean => {
    if (!inTurn) {
      inTurn = true;
      host.beginTurn();
    }
    let f;
    try {
      f = messenger.decode(bytes, offset, length);
    } catch (e) {
      emit({ type: 'message-lost', shard: data.shard, at: systemClock.now(), reason: `corrupt frame from thread ${from}: ${toShnError(e).message}` });
      return true;
    }
    if (f.kind === FrameKind.Reply || f.kind === FrameKind.ReplyError) {
      messenger.settleReply(f);
      return true;
    }
    if (journal.inUse >= journal.slots) return false;
    const isAsk = f.kind === FrameKind.Ask;
    const env = new InboundEnvelope(
      { node: data.node, shard: data.shard, actor: f.actor },
      f.from === undefined ? undefined : { node: data.node, shard: -1, actor: f.from },
      f.type,
      f.body,
      f.headers ?? NO_HEADERS,
      f.priority,
      f.deadline,
      from,
      f.seq,
      f.correlation,
      isAsk,
      f.schema,
    );
    begin();
    const r = host.deliverNow(env);
    if (r === 'full') return false;
    if (r === 'closed') {
      if (isAsk) reply(from, f.correlation, new ShnError('RUNTIME_CLOSED', `shard ${data.shard} is stopping`), undefined);
      return true;
    }
    // Journal only what is still pending (queued, or awaiting an async receive) once the frame
    // leaves the ring: until then the ring's in-flight cursor (begin) reports it if the thread dies,
    // and a message that finished synchronously needs no entry at all.
    if (InboundEnvelope.slot(env) === PENDING) InboundEnvelope.setSlot(env, journal.take(from, f.correlation, f.kind, f.type, f.actor));
    return true;
  };

  const onBatch = (): void => {
    if (inTurn) {
      inTurn = false;
      host.endTurn();
    }
    while (backlog.length > 0) {
      const b = backlog[0] as (typeof backlog)[number];
      if (!messenger.sendReply(b.to, b.correlation, b.error, b.result, b.about)) break;
      backlog.shift();
    }
    stats[STAT_PROCESSED] = host.processed;
    stats[STAT_BUSY_MS] = host.busyMs;
    stats[STAT_QUEUED] = host.queued;
    stats[STAT_INFLIGHT] = journal.inUse;
    if (!draining) return;
    const quiet = host.queued === 0 && journal.inUse === 0 && backlog.length === 0 && !mesh.hasWork();
    if (quiet || systemClock.now() >= drainDeadline) mesh.stop();
  };

  port?.on('message', (msg: MainToShard) => {
    if (msg.t === 'drain') {
      draining = true;
      drainDeadline = systemClock.now() + msg.timeoutMs;
      mesh.wake();
    }
  });

  post({ t: 'ready' });
  await mesh.run(handle, {
    onBatch,
    parkTimeoutMs: () => (draining ? 5 : undefined),
    ...(data.spinMicros === undefined ? {} : { spinMicros: data.spinMicros }),
    adaptiveSpin: data.adaptiveSpin,
  });
  await host.shutdown({ timeoutMs: Math.max(0, drainDeadline - systemClock.now()) });
  onBatch();
  mesh.flush();
  post({ t: 'drained' });
  port?.close();
}

main().catch((e: unknown) => {
  post({ t: 'fatal', error: toShnError(e).message });
  process.exit(1);
});

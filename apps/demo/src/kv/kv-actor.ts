import type { ActorBehavior, ActorContext, Envelope, TimerHandle } from '@shn/core';
import { errorReply, type Reply } from '../resp/reply.js';
import { KvStore } from './kv-store.js';
import { applyShardRequest } from './shard-executor.js';
import { asShardRequest, type ShardRequest } from './shard-request.js';
import { DEFAULT_MESSAGE_BUDGET, OversizeStore } from './oversize.js';
import { ensureListening, registerShardThread, stopListening, type ShardListenRequest } from '../server/shard-listener.js';
import { CRDT_COUNTER_TYPES, ShardCounters } from '../crdt/shard-counters.js';
import type { KvPersistenceParams } from '../persistence/kv-persistence-params.js';
import { isWriteRequest, openShardPersistence, PERSIST_COMMAND, persistCommand, type ShardPersistence } from '../persistence/shard-persistence.js';

/** How often the active-expiry cycle runs, ms (Redis: 10 Hz). */
export const SWEEP_INTERVAL_MS = 100;
/** Keys sampled per round (Redis: 20). */
export const SWEEP_BATCH = 20;
/** Rounds per tick while more than a quarter of the sampled keys had expired (Redis's adaptive loop). */
export const SWEEP_MAX_ROUNDS = 16;

/** Active-expiry tuning of the kv actor (system params `expiry`). */
export interface KvActorOptions {
  /** Interval between expiry cycles, ms (default 100; at least 1). */
  readonly intervalMs?: number;
  /** Keys sampled per round (default 20). */
  readonly sample?: number;
  /** Most rounds per cycle (default 16). */
  readonly maxRounds?: number;
  /** Largest reply payload one message carries, bytes; larger replies are held and fetched in pieces (default 256 KiB). */
  readonly messageBudget?: number;
  /** Checkpoints and append-only log in a data directory (see src/persistence); absent = memory only. */
  readonly persistence?: KvPersistenceParams;
}

/**
 * The per-shard `kv` actor: owns one {@link KvStore} and answers {@link ShardRequest} asks
 * with {@link Reply} values. Time comes from `ctx.clock`; expired keys are removed lazily on
 * access and by a periodic cycle on `ctx.timer` that samples keys with a TTL at random
 * (`ctx.rng`), as Redis does. State is in memory only (a shard restart starts empty) unless
 * `options.persistence` is set: then start restores the shard from its data directory and every
 * change is checkpointed (and, in append-only mode, logged before the reply).
 */
export function createKvActor(options: KvActorOptions = {}): ActorBehavior {
  const intervalMs = Math.max(1, options.intervalMs ?? SWEEP_INTERVAL_MS);
  const sample = Math.max(1, options.sample ?? SWEEP_BATCH);
  const maxRounds = Math.max(1, options.maxRounds ?? SWEEP_MAX_ROUNDS);
  let store: KvStore | undefined;
  let handle: TimerHandle | undefined;
  let stopped = false;
  let persist: ShardPersistence | undefined;
  const crdt = new ShardCounters();
  const oversize = new OversizeStore(Math.max(1024, options.messageBudget ?? DEFAULT_MESSAGE_BUDGET));
  const apply = (store: KvStore, req: ShardRequest, ctx: ActorContext): Reply => {
    switch (req.op) {
      case 'stage':
        oversize.stage(req.id, req.part);
        return null;
      case 'fetch':
        return oversize.fetch(req.id, req.offset, Math.min(req.length, oversize.budget));
      case 'cmd':
        if (req.staged !== undefined && req.staged.length > 0) {
          const args = oversize.unstage(req.args, req.staged);
          if (args === undefined) {
            ctx.log.error('kv: a staged argument is missing or incomplete', { staged: req.staged.join(',') });
            return errorReply('ERR internal error: a large argument did not arrive whole; the command was not applied');
          }
          return applyShardRequest(store, { op: 'cmd', args }, ctx.clock.now(), ctx.rng);
        }
        return applyShardRequest(store, req, ctx.clock.now(), ctx.rng);
      default:
        return applyShardRequest(store, req, ctx.clock.now(), ctx.rng);
    }
  };

  /** {@link apply} plus persistence: a write's effects are mirrored (and logged) before its reply. */
  const run = (store: KvStore, req: ShardRequest, ctx: ActorContext): Reply | Promise<Reply> => {
    if (req.op === 'cmd' && req.args[0]?.toString('latin1') === PERSIST_COMMAND) return persistCommand(persist, req.args);
    const p = persist;
    if (p === undefined) return apply(store, req, ctx);
    const write = isWriteRequest(req);
    store.writing = write;
    let reply: Reply;
    try {
      reply = apply(store, req, ctx);
    } finally {
      store.writing = false;
    }
    const logged = p.afterApply(write);
    return logged === undefined
      ? reply
      : logged.then(
          () => reply,
          (e: unknown) => errorReply(`ERR append-only log write failed (${String((e as Error)?.message ?? e).replace(/[\r\n]/g, ' ')}); the write is applied in memory but may not survive a restart`),
        );
  };

  const scheduleSweep = (ctx: ActorContext): void => {
    if (stopped) return;
    handle = ctx.timer.setTimeout(() => {
      store?.expireCycle(ctx.rng, sample, maxRounds);
      persist?.afterApply(false);
      scheduleSweep(ctx);
    }, intervalMs);
    handle.unref?.();
  };

  return {
    start(ctx) {
      const own = new KvStore(ctx.clock);
      store = own;
      stopped = false;
      const serve = (): void => {
        scheduleSweep(ctx);
        registerShardThread({ shard: Number(ctx.id), ctx, apply: (req) => run(own, req, ctx) });
      };
      if (options.persistence === undefined) return serve();
      // Restore before the first message (the host holds messages until start settles).
      return openShardPersistence(options.persistence, Number(ctx.id), ctx, own).then((p) => {
        persist = p;
        serve();
      });
    },
    async stop(ctx) {
      stopped = true;
      if (handle !== undefined) ctx.timer.clearTimeout(handle);
      crdt.stop(ctx);
      const p = persist;
      persist = undefined;
      await p?.close();
    },
    receive(env: Envelope, ctx: ActorContext): Reply | Promise<unknown> {
      store ??= new KvStore(ctx.clock);
      if (CRDT_COUNTER_TYPES.has(env.type)) return crdt.receive(env, ctx);
      if (env.type === 'listen') return ensureListening(env.body as ShardListenRequest);
      if (env.type === 'unlisten') return stopListening().then(() => 'OK');
      if (env.type === 'batch') {
        // Several requests from one turn of the gateway, applied in order.
        const reqs = (env.body as { reqs?: unknown } | null)?.reqs;
        if (!Array.isArray(reqs)) return errorReply('ERR malformed batch request');
        const replies = reqs.map((body: unknown) => {
          const r = asShardRequest(body);
          return r === undefined || CRDT_COUNTER_TYPES.has(r.op) ? errorReply('ERR malformed shard request in batch') : run(store!, r, ctx);
        });
        // A write in append-only mode answers after its log record is durable: the batch waits for all.
        if (replies.some((r) => r instanceof Promise)) return Promise.all(replies).then((all) => oversize.limit(all));
        return oversize.limit(replies as Reply[]);
      }
      const req = asShardRequest(env.body);
      if (req === undefined) return errorReply(`ERR malformed shard request ${JSON.stringify(env.type)}`);
      const reply = run(store, req, ctx);
      if (reply instanceof Promise) return req.op === 'fetch' ? reply : reply.then((r) => oversize.limitOne(r));
      return req.op === 'fetch' ? reply : oversize.limitOne(reply);
    },
  };
}

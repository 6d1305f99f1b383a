import type { ActorBehavior, ActorContext, Envelope, TimerHandle } from '@shn/core';
import { errorReply, type Reply } from '../resp/reply.js';
import { KvStore } from './kv-store.js';
import { applyShardRequest } from './shard-executor.js';
import { asShardRequest } from './shard-request.js';
import { CRDT_COUNTER_TYPES, ShardCounters } from '../crdt/shard-counters.js';

/** How often the active-expiry sweep runs, ms (Redis: 10 Hz). */
export const SWEEP_INTERVAL_MS = 100;
/** Keys examined per sweep round. */
export const SWEEP_BATCH = 20;
/** Rounds per tick while more than a quarter of the sampled keys had expired (Redis's adaptive loop). */
export const SWEEP_MAX_ROUNDS = 16;

/**
 * The per-shard `kv` actor: owns one {@link KvStore} and answers {@link ShardRequest} asks
 * with {@link Reply} values. Time comes from `ctx.clock`; expired keys are removed lazily on
 * access and by a periodic sweep scheduled on `ctx.timer`. State is in memory only: a shard
 * restart starts empty.
 */
export function createKvActor(): ActorBehavior {
  let store: KvStore | undefined;
  let handle: TimerHandle | undefined;
  let stopped = false;
  const crdt = new ShardCounters();

  const scheduleSweep = (ctx: ActorContext): void => {
    if (stopped) return;
    handle = ctx.timer.setTimeout(() => {
      if (store !== undefined) {
        for (let round = 0; round < SWEEP_MAX_ROUNDS; round++) {
          if (store.sweep(SWEEP_BATCH) * 4 <= SWEEP_BATCH) break;
        }
      }
      scheduleSweep(ctx);
    }, SWEEP_INTERVAL_MS);
    handle.unref?.();
  };

  return {
    start(ctx) {
      store = new KvStore(ctx.clock);
      stopped = false;
      scheduleSweep(ctx);
    },
    stop(ctx) {
      stopped = true;
      if (handle !== undefined) ctx.timer.clearTimeout(handle);
      crdt.stop(ctx);
    },
    receive(env: Envelope, ctx: ActorContext): Reply {
      store ??= new KvStore(ctx.clock);
      if (CRDT_COUNTER_TYPES.has(env.type)) return crdt.receive(env, ctx);
      if (env.type === 'batch') {
        // Several requests from one turn of the main thread, applied in order.
        const reqs = (env.body as { reqs?: unknown } | null)?.reqs;
        if (!Array.isArray(reqs)) return errorReply('ERR malformed batch request');
        const now = ctx.clock.now();
        return reqs.map((body: unknown) => {
          const r = asShardRequest(body);
          return r === undefined || CRDT_COUNTER_TYPES.has(r.op) ? errorReply('ERR malformed shard request in batch') : applyShardRequest(store!, r, now);
        });
      }
      const req = asShardRequest(env.body);
      if (req === undefined) return errorReply(`ERR malformed shard request ${JSON.stringify(env.type)}`);
      return applyShardRequest(store, req, ctx.clock.now());
    },
  };
}

import type { ActorBehavior, ActorContext, Envelope, TimerHandle } from '@shn/core';
import { ShnError, splitActorName } from '@shn/core';
import type { AntiEntropyNode, Outgoing } from './anti-entropy-node.js';
import { SYNC_ENVELOPE_TYPE } from './sync-message.js';

/** The envelope type of the self-addressed timer tick. */
export const SYNC_TICK_ENVELOPE_TYPE = 'crdt.sync-tick';

/** Options of {@link antiEntropyBehavior}. */
export interface AntiEntropyBehaviorOptions {
  /** The actor kind every replica's actor is registered under. */
  readonly kind: string;
  /** Maps a replica id to its actor id (default: the replica id itself). */
  readonly actorIdOf?: (replicaId: string) => string;
  /** Milliseconds between digest rounds (default 1000); each round also retries anything lost. */
  readonly intervalMs?: number;
  /** Handles every other envelope (return value = ask reply). Defaults to rejecting with `INVALID_ARGUMENT`. */
  readonly receive?: (env: Envelope, ctx: ActorContext) => unknown;
}

/**
 * Sends anti-entropy replies through an actor context (one tell per message; a `full` or
 * `closed` mailbox just loses the message, which the next round repairs).
 */
export function sendSyncMessages(ctx: ActorContext, kind: string, outgoing: readonly Outgoing[], actorIdOf: (r: string) => string = (r) => r): void {
  for (const o of outgoing) ctx.tell(ctx.ref(kind, actorIdOf(o.to)), SYNC_ENVELOPE_TYPE, o.message);
}

/**
 * An actor behaviour that keeps `node` in sync with its peers over runtime tells: every
 * `intervalMs` (via `ctx.timer`, as a self-addressed tick envelope) it sends its digest
 * to every peer, and it answers `crdt.sync` envelopes. The application mutates `node`
 * directly (same shard) or through its own envelope types handled by `options.receive`.
 * Depends only on the `@shn/core` actor contract, so it runs on `@shn/core-mailbox` shards.
 *
 * @throws ShnError `INVALID_ARGUMENT` for a non-positive interval.
 */
export function antiEntropyBehavior<S, V>(node: AntiEntropyNode<S, V>, options: AntiEntropyBehaviorOptions): ActorBehavior {
  const intervalMs = options.intervalMs ?? 1000;
  if (!(intervalMs > 0)) throw new ShnError('INVALID_ARGUMENT', 'intervalMs must be positive');
  const actorIdOf = options.actorIdOf ?? ((r: string) => r);
  let handle: TimerHandle | undefined;
  let stopped = false;
  const schedule = (ctx: ActorContext): void => {
    if (stopped) return;
    handle = ctx.timer.setTimeout(() => {
      handle = undefined;
      if (!stopped) ctx.ref(splitActorName(ctx.self.actor).kind, ctx.id).tell(SYNC_TICK_ENVELOPE_TYPE);
    }, intervalMs);
    handle.unref?.();
  };
  return {
    start(ctx) {
      stopped = false;
      schedule(ctx);
    },
    stop(ctx) {
      stopped = true;
      if (handle !== undefined) ctx.timer.clearTimeout(handle);
    },
    receive(env, ctx) {
      if (env.type === SYNC_ENVELOPE_TYPE) {
        sendSyncMessages(ctx, options.kind, node.receive(env.body), actorIdOf);
        return undefined;
      }
      if (env.type === SYNC_TICK_ENVELOPE_TYPE) {
        sendSyncMessages(ctx, options.kind, node.tick(), actorIdOf);
        schedule(ctx);
        return undefined;
      }
      if (options.receive !== undefined) return options.receive(env, ctx);
      throw new ShnError('INVALID_ARGUMENT', `unknown envelope type ${env.type}`);
    },
  };
}

import type { ActorContext, Envelope, TimerHandle } from '@shn/core';
import { splitActorName } from '@shn/core';
import { AntiEntropyNode, orMap, pnCounter, sendSyncMessages, SYNC_ENVELOPE_TYPE, SYNC_TICK_ENVELOPE_TYPE } from '@shn/crdt';
import type { OrMapState, PnCounterState } from '@shn/crdt';
import { errorReply, type Reply } from '../resp/reply.js';
import { keyString } from '../kv/shard-request.js';

/** Milliseconds between anti-entropy rounds between shards. */
export const CRDT_SYNC_INTERVAL_MS = 50;
/** Ids probed to find one actor id routed to each shard (covers up to ~256 shards). */
const PROBES = 8192;

/** Envelope types the per-shard counter replica handles. */
export const CRDT_COUNTER_TYPES: ReadonlySet<string> = new Set(['cincr', 'cget', SYNC_ENVELOPE_TYPE, SYNC_TICK_ENVELOPE_TYPE]);

const counters = orMap(pnCounter);
type Counters = AntiEntropyNode<OrMapState<PnCounterState>, Map<string, number>>;

/**
 * The PN-counter replica one shard keeps for CINCR/CGET: an OR-Map of PN-Counters (one per
 * key) kept in sync with the other shards by `@shn/crdt` anti-entropy over runtime tells.
 * The replica id is fresh on every start (`s<shard>.<random>`): a restarted shard has lost
 * its state, so it must never reuse the id of its previous incarnation. It starts lazily, on
 * the first CRDT envelope the shard receives (a CINCR/CGET or a peer's sync message).
 */
export class ShardCounters {
  private node: Counters | undefined;
  private kind = 'kv';
  private readonly actorIds = new Map<string, string>();
  private handle: TimerHandle | undefined;
  private stopped = false;

  /** Finds the peer shards, creates the replica and starts the sync timer. */
  start(ctx: ActorContext): void {
    this.stopped = false;
    this.kind = splitActorName(ctx.self.actor).kind;
    this.actorIds.clear();
    for (let i = 0; i < PROBES; i++) {
      const id = `crdt-peer-${i}`;
      const shard = ctx.ref(this.kind, id).address.shard;
      if (!this.actorIds.has(`s${shard}`)) this.actorIds.set(`s${shard}`, id);
    }
    const self = `s${ctx.self.shard}`;
    const replicaId = `${self}.${ctx.rng.int(2 ** 31).toString(36)}${ctx.rng.int(2 ** 31).toString(36)}`;
    this.node = new AntiEntropyNode(counters, self, { peers: [...this.actorIds.keys()], replicaId });
    this.schedule(ctx);
  }

  /** Stops the sync timer. */
  stop(ctx: ActorContext): void {
    this.stopped = true;
    if (this.handle !== undefined) ctx.timer.clearTimeout(this.handle);
  }

  /** Handles `cincr` / `cget` requests and anti-entropy envelopes. */
  receive(env: Envelope, ctx: ActorContext): Reply {
    if (this.node === undefined) this.start(ctx);
    const node = this.node!;
    const send = (out: ReturnType<Counters['tick']>): void => sendSyncMessages(ctx, this.kind, out, (r) => this.actorIds.get(r) ?? r);
    switch (env.type) {
      case SYNC_ENVELOPE_TYPE:
        send(node.receive(env.body));
        return undefined;
      case SYNC_TICK_ENVELOPE_TYPE:
        send(node.tick());
        this.schedule(ctx);
        return undefined;
      case 'cincr': {
        const body = env.body as { key?: unknown; by?: unknown };
        if (!(body?.key instanceof Uint8Array) || typeof body.by !== 'bigint') return errorReply('ERR malformed CINCR request');
        const by = Number(body.by);
        if (!Number.isSafeInteger(by)) return errorReply('ERR value is not an integer or out of range');
        const key = keyString(body.key);
        const total = counters.valueType.value(counters.get(node.state, key)) + by;
        if (!Number.isSafeInteger(total)) return errorReply('ERR increment or decrement would overflow');
        node.mutate((s, r) => counters.update(s, r, key, (c) => pnCounter.add(c, r, by)));
        return counters.valueType.value(counters.get(node.state, key));
      }
      case 'cget': {
        const body = env.body as { key?: unknown };
        if (!(body?.key instanceof Uint8Array)) return errorReply('ERR malformed CGET request');
        return node.value.get(keyString(body.key)) ?? 0;
      }
      default:
        return errorReply(`ERR unknown CRDT request ${JSON.stringify(env.type)}`);
    }
  }

  private schedule(ctx: ActorContext): void {
    if (this.stopped || this.handle !== undefined) return;
    this.handle = ctx.timer.setTimeout(() => {
      this.handle = undefined;
      if (!this.stopped) ctx.ref(this.kind, ctx.id).tell(SYNC_TICK_ENVELOPE_TYPE);
    }, CRDT_SYNC_INTERVAL_MS);
    this.handle.unref?.();
  }
}

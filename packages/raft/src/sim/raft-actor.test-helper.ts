/**
 * A Raft node as an actor, for @shn/sim: the production actor host runs it, the simulated network
 * carries its messages (tells between nodes), and its log lives on the node's SimStore through
 * StoreRaftStorage, so a crash loses exactly what was not fsynced.
 */
import type { ActorBehavior, Envelope, TimerHandle } from '@shn/core';
import type { SimActorContext } from '@shn/sim';
import { RawNode } from '../raw-node.js';
import { StoreRaftStorage } from '../store-raft-storage.js';
import type { ConfState, Entry, Message, NodeId } from '../types.js';
import { EMPTY_CONF } from '../types.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

export type KvOp = { op: 'put'; key: string; value: string } | { op: 'append'; key: string; value: string } | { op: 'get'; key: string };

/** A client request: the reply goes to the `client` actor `replyTo` on node `replyNode`. */
export interface ClientRequest {
  readonly req: number;
  readonly op: KvOp;
  readonly replyNode: string;
}

/** What every node reports to the scenario's invariant checks. */
export interface Observed {
  /** index → `term:data` of every entry applied anywhere. */
  readonly applied: Map<number, string>;
  /** index → the applier's term when the entry was first applied: at least the term it was committed in. */
  readonly appliedInTerm: Map<number, number>;
  /** term → leader seen. */
  readonly leaders: Map<number, NodeId>;
  violation: string | undefined;
}

export interface RaftActorOptions {
  readonly voters: readonly NodeId[];
  readonly observed: Observed;
  readonly tickMs?: number;
  readonly snapshotEvery?: number;
}

export interface RaftActor extends ActorBehavior {
  readonly node: RawNode | undefined;
}

/** Makes the `raft` kind's factory for one node. */
export function raftActor(options: RaftActorOptions): () => RaftActor {
  return () => {
    let raw: RawNode | undefined;
    let storage: StoreRaftStorage | undefined;
    let kv = new Map<string, string>();
    let done = new Set<string>();
    let applied = 0;
    const encodeState = () => enc.encode(JSON.stringify({ kv: [...kv], done: [...done] }));
    const decodeState = (b: Uint8Array) => {
      if (b.length === 0) {
        kv = new Map();
        done = new Set();
        return;
      }
      const v = JSON.parse(dec.decode(b)) as { kv: [string, string][]; done: string[] };
      kv = new Map(v.kv);
      done = new Set(v.done);
    };
    let tick: TimerHandle | undefined;
    const writes = new Map<string, ClientRequest>();
    const reads = new Map<string, ClientRequest>();
    let readyReads: { index: number; context: string }[] = [];
    let me = '';

    /** `refused`: the request was turned away before it was proposed, so it certainly did not happen. */
    const reply = (ctx: SimActorContext, r: ClientRequest, ok: boolean, value?: string, refused = false) => {
      ctx.tell(ctx.refAt(r.replyNode, 'client', 'c'), 'done', { req: r.req, ok, value, refused });
    };

    const apply = (ctx: SimActorContext, e: Entry) => {
      if (e.index <= applied || raw === undefined) return;
      const key = `${e.term}:${e.type}:${dec.decode(e.data)}`;
      const seen = options.observed.applied.get(e.index);
      if (seen !== undefined && seen !== key) options.observed.violation ??= `state machine safety: index ${e.index} applied as ${seen} and ${key} on ${me}`;
      options.observed.applied.set(e.index, key);
      if (!options.observed.appliedInTerm.has(e.index)) options.observed.appliedInTerm.set(e.index, raw.status().term);
      applied = e.index;
      if (e.type === 'conf') {
        raw.applyConfChange(e);
        return;
      }
      if (e.data.length === 0) return;
      const cmd = JSON.parse(dec.decode(e.data)) as { id: string; op: KvOp };
      // The network duplicates requests, so a command may be proposed twice: apply it once.
      if (done.has(cmd.id)) return;
      done.add(cmd.id);
      if (cmd.op.op === 'put') kv.set(cmd.op.key, cmd.op.value);
      else if (cmd.op.op === 'append') kv.set(cmd.op.key, (kv.get(cmd.op.key) ?? '') + cmd.op.value);
      const w = writes.get(cmd.id);
      if (w !== undefined) {
        writes.delete(cmd.id);
        reply(ctx, w, true);
      }
    };

    const process = async (ctx: SimActorContext) => {
      while (raw?.hasReady() === true && storage !== undefined) {
        const rd = raw.ready();
        const early = (m: Message) => m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap';
        for (const m of rd.messages) if (early(m)) ctx.tell(ctx.refAt(m.to, 'raft', 'r'), 'msg', m);
        await storage.save(rd.hardState, rd.entries, rd.snapshot);
        for (const m of rd.messages) if (!early(m)) ctx.tell(ctx.refAt(m.to, 'raft', 'r'), 'msg', m);
        if (rd.snapshot !== undefined && rd.snapshot.meta.index > applied) {
          decodeState(rd.snapshot.data);
          applied = rd.snapshot.meta.index;
        }
        for (const e of rd.committedEntries) apply(ctx, e);
        readyReads.push(...rd.readStates);
        if (rd.softState !== undefined && rd.softState.role !== 'leader') {
          for (const w of writes.values()) reply(ctx, w, false);
          writes.clear();
        }
        raw.advance();
        const keep: typeof readyReads = [];
        for (const rs of readyReads) {
          if (rs.index > applied) {
            keep.push(rs);
            continue;
          }
          const r = reads.get(rs.context);
          if (r === undefined) continue;
          reads.delete(rs.context);
          reply(ctx, r, true, kv.get((r.op as { key: string }).key) ?? '');
        }
        readyReads = keep;
        const s = raw.status();
        if (s.role === 'leader') {
          const prev = options.observed.leaders.get(s.term);
          if (prev !== undefined && prev !== me) options.observed.violation ??= `election safety: ${prev} and ${me} lead term ${s.term}`;
          if (prev === undefined) {
            options.observed.leaders.set(s.term, me);
            // Leader completeness: entries committed in an earlier term are in this leader's log. (A
            // stale leader of an older term may lack entries committed later; the applier's term
            // bounds the commit term from above, so only entries it proves earlier are checked.)
            for (const [index, key] of options.observed.applied) {
              if ((options.observed.appliedInTerm.get(index) ?? Infinity) >= s.term) continue;
              const t = raw.raft.log.term(index);
              if (t !== undefined && String(t) !== key.slice(0, key.indexOf(':'))) {
                options.observed.violation ??= `leader completeness: ${me} leads term ${s.term} without applied entry ${index}`;
              }
            }
          }
        }
        if (applied - storage.snapshot().meta.index >= (options.snapshotEvery ?? 30)) {
          await storage.snapshotAndCompact(applied, s.conf, encodeState());
        }
      }
    };

    return {
      get node() {
        return raw;
      },
      async start(context) {
        const ctx = context as SimActorContext;
        me = ctx.node;
        storage = await StoreRaftStorage.open(ctx.store);
        if (storage.lastIndex() === 0 && options.voters.includes(me)) {
          const conf: ConfState = { ...EMPTY_CONF, voters: [...options.voters] };
          await storage.bootstrap(conf);
        }
        const snap = storage.snapshot();
        decodeState(snap.data);
        applied = snap.meta.index;
        raw = new RawNode({ id: me, storage, rng: ctx.rng, electionTick: 10, heartbeatTick: 1, maxInflightMsgs: 16, snapshotChunkBytes: 256, applied });
        const arm = () => {
          tick = ctx.timer.setTimeout(() => {
            ctx.tell(ctx.refAt(me, 'raft', 'r'), 'tick', undefined);
            arm();
          }, options.tickMs ?? 10);
        };
        arm();
      },
      stop(context) {
        if (tick !== undefined) context.timer.clearTimeout(tick);
      },
      async receive(env: Envelope, context) {
        const ctx = context as SimActorContext;
        if (raw === undefined) return;
        if (env.type === 'tick') raw.tick();
        else if (env.type === 'msg') {
          try {
            raw.step(env.body as Message);
          } catch {
            // a typed refusal (unknown node): dropped, as a real node would
          }
        } else if (env.type === 'req') {
          const r = env.body as ClientRequest;
          try {
            if (r.op.op === 'get') {
              const c = `${r.replyNode}:${r.req}`;
              raw.readIndex(c);
              reads.set(c, r);
            } else if (raw.status().role !== 'leader') {
              reply(ctx, r, false, undefined, true);
            } else {
              const id = `${r.replyNode}:${r.req}`;
              raw.propose(enc.encode(JSON.stringify({ id, op: r.op })));
              writes.set(id, r);
            }
          } catch {
            reply(ctx, r, false, undefined, true); // readIndex/propose refused at the call (no leader)
          }
        } else if (env.type === 'conf') {
          try {
            raw.proposeConfChange(env.body as never);
          } catch {
            // refused (pending change, not leader): fine
          }
        }
        await process(ctx);
        return undefined;
      },
    };
  };
}

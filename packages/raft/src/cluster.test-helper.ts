/**
 * A deterministic in-memory cluster for tests: nodes with persisted MemoryRaftStorage, a network
 * that loses, duplicates, delays (reorders) and partitions messages, crash/restart at every step
 * of Ready handling, and a replicated key-value state machine. It checks Raft's safety
 * properties after every step and records a client history for the linearizability checker.
 */
import { seededRng } from '@shn/core';
import type { Rng } from '@shn/core';
import type { HistoryEvent } from '@shn/sim';
import { logMatchingViolation } from './log-matching.test-helper.js';
import { RawNode } from './raw-node.js';
import { MemoryRaftStorage } from './storage.js';
import type { ConfState, Entry, Message, NodeId, Ready } from './types.js';
import { EMPTY_CONF } from './types.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

export type KvOp = { op: 'put'; key: string; value: string } | { op: 'append'; key: string; value: string } | { op: 'get'; key: string };

interface Command {
  readonly client: number;
  readonly id: number;
  readonly op: KvOp;
}

interface NodeState {
  readonly id: NodeId;
  storage: MemoryRaftStorage;
  raw: RawNode | undefined;
  kv: Map<string, string>;
  applied: number;
  pendingReads: { index: number; context: string }[];
}

export interface FaultOptions {
  /** Probability a message is dropped. */
  drop?: number;
  /** Probability a message is delivered twice. */
  duplicate?: number;
  /** Most steps a message may be delayed (reordering). */
  maxDelay?: number;
  /** Probability per step that a random up node crashes (at a random point of Ready handling). */
  crash?: number;
  /** Probability per step that a crashed node restarts. */
  restart?: number;
  /** Probability per step that the network is re-partitioned (or healed). */
  partition?: number;
  /** Probability per step that a node pauses (stops ticking and handling) for a few steps. */
  pause?: number;
  /** Probability per step that a membership change is proposed (5-node clusters: remove/add a voter via learner). */
  churn?: number;
}

interface InFlight {
  readonly msg: Message;
  readonly at: number;
}

export interface ClusterOptions {
  readonly size: number;
  readonly seed: number;
  readonly faults?: FaultOptions;
  readonly electionTick?: number;
  readonly snapshotEvery?: number;
  readonly preVote?: boolean;
  readonly checkQuorum?: boolean;
  readonly readOnly?: 'safe' | 'lease';
  /** How many of the nodes start as voters (the rest start outside the group, to be added); default all. */
  readonly voters?: number;
}

/** A violation of a Raft safety property, with the step it was seen at. */
export class SafetyViolation extends Error {}

export class SimCluster {
  readonly ids: NodeId[];
  readonly nodes = new Map<NodeId, NodeState>();
  readonly history: HistoryEvent[] = [];
  /** Every linearizable read served: node, context, read index, value. */
  readonly reads: { node: NodeId; context: string; index: number; value: string }[] = [];
  readonly rng: Rng;
  step = 0;
  faults: FaultOptions;
  /** What actually happened, so tests can show that the faults were exercised. */
  readonly stats = { crashes: 0, restarts: 0, dropped: 0, duplicated: 0, snapshotsInstalled: 0, confChanges: 0, partitions: 0, pauses: 0 };
  #net: InFlight[] = [];
  #blocked = new Set<string>();
  #paused = new Map<NodeId, number>();
  #leaders = new Map<number, NodeId>();
  /** index → `term:data` of every applied entry, across nodes. */
  #applied = new Map<number, string>();
  /** index → the applier's term when first applied (an upper bound of the term it was committed in). */
  #appliedInTerm = new Map<number, number>();
  #nextOp = 1;
  #clients: { client: number; busy: { id: number; node: NodeId; op: KvOp; since: number } | undefined }[] = [];
  #nextClient = 0;
  readonly #options: ClusterOptions;
  readonly #snapshotEvery: number;

  constructor(options: ClusterOptions) {
    this.#options = options;
    this.rng = seededRng(options.seed);
    this.faults = options.faults ?? {};
    this.#snapshotEvery = options.snapshotEvery ?? 25;
    this.ids = Array.from({ length: options.size }, (_, i) => `n${i + 1}`);
    const voters = this.ids.slice(0, options.voters ?? options.size);
    const conf: ConfState = { ...EMPTY_CONF, voters };
    for (const id of this.ids) {
      const storage = new MemoryRaftStorage();
      if (voters.includes(id)) storage.bootstrap(conf);
      this.nodes.set(id, { id, storage, raw: undefined, kv: new Map(), applied: 0, pendingReads: [] });
      this.#start(id);
    }
  }

  #start(id: NodeId): void {
    const n = this.nodes.get(id) as NodeState;
    const snap = n.storage.snapshot();
    n.kv = snap.data.length === 0 ? new Map() : new Map(JSON.parse(dec.decode(snap.data)) as [string, string][]);
    n.applied = snap.meta.index;
    n.pendingReads = [];
    n.raw = new RawNode({
      id,
      storage: n.storage,
      rng: this.rng,
      electionTick: this.#options.electionTick ?? 10,
      heartbeatTick: 1,
      preVote: this.#options.preVote ?? true,
      checkQuorum: this.#options.checkQuorum ?? true,
      readOnly: this.#options.readOnly ?? 'safe',
      maxSizePerMsg: 4096,
      maxInflightMsgs: 8,
      snapshotChunkBytes: 64,
      applied: snap.meta.index,
    });
  }

  crash(id: NodeId): void {
    const n = this.nodes.get(id) as NodeState;
    if (n.raw !== undefined) this.stats.crashes++;
    n.raw = undefined;
  }

  restart(id: NodeId): void {
    const n = this.nodes.get(id) as NodeState;
    if (n.raw === undefined) {
      this.stats.restarts++;
      this.#start(id);
    }
  }

  /** Cuts the link between a and b in both directions. */
  cut(a: NodeId, b: NodeId): void {
    this.#blocked.add(`${a}>${b}`);
    this.#blocked.add(`${b}>${a}`);
  }

  /** Isolates `id` from every other node. */
  isolate(id: NodeId): void {
    for (const o of this.ids) if (o !== id) this.cut(id, o);
  }

  heal(): void {
    this.#blocked.clear();
  }

  /** Runs fault-free steps until `pred` holds; returns the steps taken, or throws after `bound`. */
  until(pred: () => boolean, bound = 500, what = 'condition'): number {
    const start = this.step;
    while (!pred()) {
      if (this.step - start >= bound) throw new Error(`${what} not reached within ${bound} steps`);
      this.tickOnce({ clients: false });
    }
    return this.step - start;
  }

  /** Proposes a put through the current leader and runs until every node in `on` applied it. */
  put(key: string, value: string, on: readonly NodeId[] = this.ids): void {
    const lead = this.leader();
    if (lead === undefined) throw new Error('no leader');
    this.raw(lead).propose(enc.encode(JSON.stringify({ client: -1, id: -1, op: { op: 'put', key, value } })));
    this.until(() => on.every((id) => this.nodes.get(id)?.kv.get(key) === value), 500, `put ${key}=${value} applied on ${on.join(',')}`);
  }

  /** The value of `key` in node `id`'s state machine. */
  value(id: NodeId, key: string): string | undefined {
    return this.nodes.get(id)?.kv.get(key);
  }

  leader(): NodeId | undefined {
    let best: { id: NodeId; term: number } | undefined;
    for (const n of this.nodes.values()) {
      const s = n.raw?.status();
      if (s?.role === 'leader' && (best === undefined || s.term > best.term)) best = { id: n.id, term: s.term };
    }
    return best?.id;
  }

  raw(id: NodeId): RawNode {
    const r = this.nodes.get(id)?.raw;
    if (r === undefined) throw new Error(`${id} is down`);
    return r;
  }

  #send(msgs: readonly Message[]): void {
    const f = this.faults;
    for (const msg of msgs) {
      if (this.rng.next() < (f.drop ?? 0)) {
        this.stats.dropped++;
        continue;
      }
      const copies = this.rng.next() < (f.duplicate ?? 0) ? 2 : 1;
      if (copies === 2) this.stats.duplicated++;
      for (let c = 0; c < copies; c++) {
        const delay = 1 + (f.maxDelay ? this.rng.int(f.maxDelay) : 0);
        this.#net.push({ msg, at: this.step + delay });
      }
    }
  }

  /** Handles one node's Ready; `crashAt` injects a crash at a persistence step. */
  #handleReady(n: NodeState, crashAt: number | undefined): void {
    const raw = n.raw;
    if (raw === undefined || !raw.hasReady()) return;
    const rd: Ready = raw.ready();
    // As RaftKvServer does: a leader's appends leave before its own write is durable.
    const early = (m: Message) => m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap';
    this.#send(rd.messages.filter(early));
    if (crashAt === 0) return this.crash(n.id); // appends sent, nothing persisted
    if (rd.snapshot !== undefined) n.storage.applySnapshot(rd.snapshot);
    n.storage.append(rd.entries);
    if (rd.hardState !== undefined) n.storage.setHardState(rd.hardState);
    if (crashAt === 1) return this.crash(n.id); // persisted, nothing else sent
    this.#send(rd.messages.filter((m) => !early(m)));
    if (crashAt === 2) return this.crash(n.id); // sent, nothing applied
    if (rd.snapshot !== undefined && rd.snapshot.meta.index > n.applied) {
      n.kv = rd.snapshot.data.length === 0 ? new Map() : new Map(JSON.parse(dec.decode(rd.snapshot.data)) as [string, string][]);
      n.applied = rd.snapshot.meta.index;
      this.stats.snapshotsInstalled++;
    }
    for (const e of rd.committedEntries) this.#apply(n, raw, e);
    for (const rs of rd.readStates) n.pendingReads.push(rs);
    raw.advance();
    this.#serveReads(n);
    if (n.applied - n.storage.snapshot().meta.index >= this.#snapshotEvery) {
      const data = enc.encode(JSON.stringify([...n.kv]));
      n.storage.createSnapshot(n.applied, raw.status().conf, data);
      n.storage.compact(Math.max(n.storage.firstIndex() - 1, n.applied - 5));
    }
  }

  #apply(n: NodeState, raw: RawNode, e: Entry): void {
    if (e.index <= n.applied) return;
    const key = `${e.term}:${e.type}:${dec.decode(e.data)}`;
    const seen = this.#applied.get(e.index);
    if (seen !== undefined && seen !== key) {
      throw new SafetyViolation(`state machine safety: index ${e.index} applied as ${seen} and as ${key} (on ${n.id}) at step ${this.step}`);
    }
    this.#applied.set(e.index, key);
    if (!this.#appliedInTerm.has(e.index)) this.#appliedInTerm.set(e.index, raw.status().term);
    n.applied = e.index;
    if (e.type === 'conf') {
      this.stats.confChanges++;
      raw.applyConfChange(e); // the configuration is persisted with the next snapshot, as etcd does
      return;
    }
    if (e.data.length === 0) return;
    const cmd = JSON.parse(dec.decode(e.data)) as Command;
    const op = cmd.op;
    if (op.op === 'put') n.kv.set(op.key, op.value);
    else if (op.op === 'append') n.kv.set(op.key, (n.kv.get(op.key) ?? '') + op.value);
    this.#complete(cmd.client, cmd.id, undefined);
  }

  #serveReads(n: NodeState): void {
    const keep: { index: number; context: string }[] = [];
    for (const rs of n.pendingReads) {
      if (rs.index > n.applied) {
        keep.push(rs);
        continue;
      }
      const [client, id, key] = rs.context.split('|') as [string, string, string];
      this.reads.push({ node: n.id, context: rs.context, index: rs.index, value: n.kv.get(key) ?? '' });
      this.#complete(Number(client), Number(id), n.kv.get(key) ?? '');
    }
    n.pendingReads = keep;
  }

  #complete(client: number, id: number, output: unknown): void {
    const c = this.#clients.find((x) => x.client === client);
    if (c?.busy === undefined || c.busy.id !== id) return; // a timed-out op that applied later: stays pending
    c.busy = undefined;
    this.history.push({ kind: 'return', clientId: client, id, output, time: this.step });
  }

  /** Adds `count` clients that issue random put/append/get operations on `keys` keys. */
  addClients(count: number): void {
    for (let i = 0; i < count; i++) this.#clients.push({ client: this.#nextClient++, busy: undefined });
  }

  #driveClients(keys: number): void {
    for (const c of this.#clients) {
      if (c.busy !== undefined) {
        if (this.step - c.busy.since > 60) {
          // give up: the op stays pending forever; continue as a fresh client id
          c.busy = undefined;
          c.client = this.#nextClient++;
        }
        continue;
      }
      if (this.rng.next() < 0.5) continue;
      const up = this.ids.filter((id) => this.nodes.get(id)?.raw !== undefined);
      if (up.length === 0) return;
      const target = this.leader() ?? (up[this.rng.int(up.length)] as NodeId);
      const raw = this.nodes.get(target)?.raw;
      if (raw === undefined) continue;
      const key = `k${this.rng.int(keys)}`;
      const r = this.rng.next();
      const id = this.#nextOp++;
      const op: KvOp = r < 0.4 ? { op: 'get', key } : r < 0.7 ? { op: 'put', key, value: `v${id}` } : { op: 'append', key, value: `${id},` };
      try {
        if (op.op === 'get') raw.readIndex(`${c.client}|${id}|${key}`);
        else raw.propose(enc.encode(JSON.stringify({ client: c.client, id, op } satisfies Command)));
      } catch {
        continue; // refused at the call (no leader): the op never started
      }
      c.busy = { id, node: target, op, since: this.step };
      this.history.push({ kind: 'call', clientId: c.client, id, input: op, time: this.step });
    }
  }

  #randomFaults(): void {
    const f = this.faults;
    const up = this.ids.filter((id) => this.nodes.get(id)?.raw !== undefined);
    const down = this.ids.filter((id) => this.nodes.get(id)?.raw === undefined);
    if (down.length > 0 && this.rng.next() < (f.restart ?? 0)) this.restart(down[this.rng.int(down.length)] as NodeId);
    if ((f.partition ?? 0) > 0 && this.rng.next() < (f.partition ?? 0)) {
      this.heal();
      if (this.rng.next() < 0.7) {
        this.stats.partitions++;
        const a = this.ids[this.rng.int(this.ids.length)] as NodeId;
        if (this.rng.next() < 0.5) this.isolate(a);
        else {
          const b = this.ids[this.rng.int(this.ids.length)] as NodeId;
          if (a !== b) this.cut(a, b);
        }
      }
    }
    if (up.length > 0 && this.rng.next() < (f.pause ?? 0) && ++this.stats.pauses) this.#paused.set(up[this.rng.int(up.length)] as NodeId, this.step + 1 + this.rng.int(15));
    if ((f.churn ?? 0) > 0 && this.rng.next() < (f.churn ?? 0)) this.#churn();
  }

  #churn(): void {
    const lead = this.leader();
    if (lead === undefined) return;
    const raw = this.raw(lead);
    const conf = raw.status().conf;
    if (conf.votersOutgoing.length > 0) return;
    const missing = this.ids.filter((id) => !conf.voters.includes(id) && !conf.learners.includes(id));
    const learners = conf.learners;
    try {
      if (learners.length > 0) raw.proposeConfChange({ changes: [{ type: 'add-voter', node: learners[0] as NodeId }] });
      else if (missing.length > 0) raw.proposeConfChange({ changes: [{ type: 'add-learner', node: missing[0] as NodeId }] });
      else if (conf.voters.length > 3) {
        const victim = conf.voters[this.rng.int(conf.voters.length)] as NodeId;
        raw.proposeConfChange({ changes: [{ type: 'remove', node: victim }] });
      }
    } catch {
      // refused (a change is pending): fine
    }
  }

  /** Runs `steps` steps: faults, ticks, deliveries, Ready handling, safety checks. */
  run(steps: number, options: { clients?: boolean; keys?: number } = {}): void {
    for (let s = 0; s < steps; s++) this.tickOnce(options);
  }

  tickOnce(options: { clients?: boolean; keys?: number } = {}): void {
    this.step++;
    this.#randomFaults();
    if (options.clients !== false) this.#driveClients(options.keys ?? 3);
    const live = (id: NodeId) => this.nodes.get(id)?.raw !== undefined && (this.#paused.get(id) ?? 0) < this.step;
    for (const id of this.ids) if (live(id)) this.raw(id).tick();
    const due = this.#net.filter((f) => f.at <= this.step);
    this.#net = this.#net.filter((f) => f.at > this.step);
    for (const { msg } of due) {
      if (this.#blocked.has(`${msg.from}>${msg.to}`)) continue;
      if (!live(msg.to)) {
        if (this.nodes.get(msg.to)?.raw !== undefined) this.#net.push({ msg, at: this.step + 1 }); // paused: hold it
        continue;
      }
      try {
        this.raw(msg.to).step(msg);
      } catch (e) {
        if (!(e instanceof Error) || !('code' in e)) throw e; // typed refusals (unknown node) are fine
      }
    }
    const crashP = this.faults.crash ?? 0;
    for (const id of this.ids) {
      const n = this.nodes.get(id) as NodeState;
      if (!live(id)) continue;
      const crashAt = this.rng.next() < crashP ? this.rng.int(4) : undefined;
      this.#handleReady(n, crashAt === 3 ? undefined : crashAt);
      if (crashAt === 3) this.crash(id); // after advance
    }
    this.#checkSafety();
  }

  #checkSafety(): void {
    for (const n of this.nodes.values()) {
      const s = n.raw?.status();
      if (s?.role !== 'leader') continue;
      const prev = this.#leaders.get(s.term);
      if (prev !== undefined && prev !== n.id) throw new SafetyViolation(`election safety: ${prev} and ${n.id} both lead term ${s.term} (step ${this.step})`);
      if (prev === undefined) {
        this.#leaders.set(s.term, n.id);
        // leader completeness: every entry applied anywhere is in the new leader's log
        const log = (n.raw as RawNode).raft.log;
        for (const [index, key] of this.#applied) {
          if ((this.#appliedInTerm.get(index) ?? Infinity) >= s.term) continue; // maybe committed after this term
          const t = log.term(index);
          if (t === undefined) continue; // compacted into its snapshot
          if (String(t) !== key.slice(0, key.indexOf(':'))) {
            throw new SafetyViolation(`leader completeness: ${n.id} leads term ${s.term} without applied entry ${index} (${key}) (step ${this.step})`);
          }
        }
      }
    }
    this.checkLogMatching();
  }

  /** Log matching: two logs with an entry of the same index and term agree on every entry before it. */
  checkLogMatching(): void {
    const logs = [...this.nodes.values()].filter((n) => n.raw !== undefined).map((n) => ({ id: n.id, log: (n.raw as RawNode).raft.log }));
    const violation = logMatchingViolation(logs);
    if (violation !== undefined) throw new SafetyViolation(`${violation} (step ${this.step})`);
  }

  /** Stops every fault, heals, restarts every node and lets in-flight ops finish. */
  calm(): void {
    this.faults = {};
    this.heal();
    this.#paused.clear();
    for (const id of this.ids) this.restart(id);
  }

  /**
   * Liveness: steps until some node leads and an entry proposed to it is applied on every voter.
   * Returns the steps it took, or undefined if not within `bound`.
   */
  converge(bound: number): number | undefined {
    const start = this.step;
    let marker: string | undefined;
    while (this.step - start < bound) {
      this.tickOnce({ clients: false });
      const lead = this.leader();
      if (lead === undefined) continue;
      const raw = this.raw(lead);
      if (marker === undefined) {
        marker = `m${this.step}`;
        try {
          raw.propose(enc.encode(JSON.stringify({ client: -1, id: -1, op: { op: 'put', key: '__live', value: marker } })));
        } catch {
          marker = undefined;
        }
        continue;
      }
      const voters = raw.status().conf.voters;
      if (voters.every((v) => this.nodes.get(v)?.kv.get('__live') === marker)) return this.step - start;
    }
    return undefined;
  }
}

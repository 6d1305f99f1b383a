import { ShnError } from '@shn/core';
import type { VersionVector } from '../causal/version-vector.js';
import { IdIndex } from './id-index.js';
import { RunList } from './run-list.js';
import type { RunCursor } from './run-list.js';
import { decodeUpdate, encodeUpdate } from './text-codec.js';
import type { DecodedUpdate, EncodedRange } from './text-codec.js';
import type { TextId, TextIdRange, TextOp } from './text-ops.js';
import { TextRun, canAppendRun } from './text-run.js';
import { integrateRun } from './yata-integrate.js';
import { checkReplicaId as checkReplica } from '../replica/replica-id.js';
import type { IntegrationMarks } from './yata-integrate.js';

/** Options of {@link TextCrdt}. */
export interface TextCrdtOptions {
  /**
   * Most operations (insert runs plus delete ranges) held back because their dependencies
   * have not arrived yet. Default 100 000. Beyond it, ops are dropped and reported with
   * ShnError `MESSAGE_LOST` (anti-entropy with {@link TextCrdt.diffSince} recovers them).
   */
  readonly maxPending?: number;
  /**
   * Whether local edits are collected for {@link TextCrdt.takeOps} (default true).
   * Listeners registered with `on('op')` are called either way.
   */
  readonly collectOps?: boolean;
}

const DEFAULT_MAX_PENDING = 100_000;

function invalid(message: string): never {
  throw new ShnError('INVALID_ARGUMENT', `text crdt: ${message}`);
}

/** The one replica-id rule of the package, with this CRDT's message prefix. */
function checkReplicaId(id: unknown, what: string): string {
  try {
    return checkReplica(id, what);
  } catch (e) {
    return invalid((e as Error).message);
  }
}

function checkSeq(seq: unknown, what: string): number {
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) invalid(`${what} must be a non-negative safe integer`);
  return seq;
}

function checkId(id: unknown, what: string): TextId | null {
  if (id === null) return null;
  if (typeof id !== 'object' || id === undefined) invalid(`${what} must be a TextId or null`);
  const t = id as TextId;
  checkReplicaId(t.replica, `${what}.replica`);
  checkSeq(t.seq, `${what}.seq`);
  return t;
}

/**
 * A replicated plain-text document (a sequence CRDT of the YATA family, the algorithm of
 * Yjs), with run-length compressed items and a chunked index for position lookups.
 *
 * Positions and lengths count UTF-16 code units, exactly like JavaScript string indexes.
 *
 * Replication, three ways:
 * - op-based: local edits produce {@link TextOp}s (`takeOps()` / `on('op')`), which other
 *   replicas apply with `applyOp`/`applyOps` in any order, with duplicates: ops whose
 *   dependencies are missing are held (bounded by `maxPending`) until they arrive;
 * - delta-state: `diffSince(version)` encodes everything a replica at `version` lacks, and
 *   `applyUpdate(bytes)` joins it;
 * - state-based: `encodeState()` / `TextCrdt.decodeState()`, and `merge(other)`.
 *
 * Replica ids: each live replica must have its own id, and a replica restored from a
 * checkpoint must take a fresh id (see `decodeState`), never reuse the id of the replica
 * that wrote the checkpoint: that replica may have issued more characters after the
 * checkpoint, and reusing its ids would give two different characters the same id.
 */
export class TextCrdt {
  /** This replica's id. */
  readonly replicaId: string;
  private readonly names: string[] = [];
  private readonly agentOf = new Map<string, number>();
  private readonly clocks: number[] = [];
  private readonly list = new RunList();
  private index: IdIndex | null = null;
  private readonly self: number;
  private readonly maxPending: number;
  private readonly collectOps: boolean;
  private ops: TextOp[] = [];
  private readonly listeners = new Set<(op: TextOp) => void>();
  private readonly queues: TextRun[][] = [];
  private readonly heads: number[] = [];
  private queued = 0;
  private pendingRanges: EncodedRange[] = [];
  private readonly marks: IntegrationMarks = { epoch: 0, gen: 0 };
  private readonly cur: RunCursor = { chunk: null as never, i: 0 };

  /**
   * Creates an empty document for replica `replicaId`.
   * @throws ShnError `INVALID_ARGUMENT` for an empty or malformed id or bad options.
   */
  constructor(replicaId: string, options: TextCrdtOptions = {}) {
    this.replicaId = checkReplicaId(replicaId, 'replicaId');
    const maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
    if (!Number.isSafeInteger(maxPending) || maxPending < 0) invalid('maxPending must be a non-negative integer');
    this.maxPending = maxPending;
    this.collectOps = options.collectOps ?? true;
    this.self = this.agent(replicaId);
  }

  private agent(name: string): number {
    let a = this.agentOf.get(name);
    if (a === undefined) {
      a = this.names.length;
      this.names.push(name);
      this.agentOf.set(name, a);
      this.clocks.push(0);
      this.queues.push([]);
      this.heads.push(0);
    }
    return a;
  }

  private ensureIndex(): IdIndex {
    if (this.index === null) {
      const runs: TextRun[] = [];
      this.list.forEach((r) => runs.push(r));
      this.index = IdIndex.build(runs);
      this.list.listener = this.index;
    }
    return this.index;
  }

  /** Number of visible characters (UTF-16 code units). */
  get length(): number {
    return this.list.length;
  }

  /** Number of runs (items) the document holds, deleted ones included (a memory figure). */
  get runCount(): number {
    return this.list.runCount;
  }

  /** Number of received insert runs and delete ranges waiting for their dependencies. */
  get pendingCount(): number {
    return this.queued + this.pendingRanges.length;
  }

  /** The visible text. */
  toString(): string {
    const parts: string[] = [];
    for (const ch of this.list.chunks) for (const r of ch.runs) if (!r.deleted) parts.push(r.content);
    return parts.join('');
  }

  /**
   * The version vector: for each replica, how many characters it inserted are integrated
   * here. Deletions do not advance it (they are idempotent and carried as a delete set).
   */
  version(): VersionVector {
    const vv = new Map<string, number>();
    this.clocks.forEach((c, a) => {
      if (c > 0) vv.set(this.names[a]!, c);
    });
    return vv;
  }

  /**
   * Registers a listener called synchronously with every local op. Returns a function that
   * removes it.
   */
  on(event: 'op', listener: (op: TextOp) => void): () => void {
    if (event !== 'op' || typeof listener !== 'function') invalid('on(event, listener) accepts only "op" and a function');
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Returns the local ops since the last call (consecutive typing coalesced into runs) and forgets them. */
  takeOps(): TextOp[] {
    const out = this.ops;
    this.ops = [];
    return out;
  }

  private emit(op: TextOp): void {
    for (const l of this.listeners) l(op);
    if (!this.collectOps) return;
    const last = this.ops[this.ops.length - 1];
    if (last !== undefined && last.kind === 'insert' && op.kind === 'insert') {
      if (
        last.seq + last.text.length === op.seq &&
        op.left !== null &&
        op.left.replica === this.replicaId &&
        op.left.seq === op.seq - 1 &&
        sameId(last.right, op.right)
      ) {
        this.ops[this.ops.length - 1] = { ...last, text: last.text + op.text };
        return;
      }
    } else if (last !== undefined && last.kind === 'delete' && op.kind === 'delete') {
      const ranges = [...last.ranges];
      for (const g of op.ranges) pushRange(ranges, g);
      this.ops[this.ops.length - 1] = { kind: 'delete', ranges };
      return;
    }
    this.ops.push(op);
  }

  /**
   * Inserts `text` at position `pos` (0 <= pos <= length, UTF-16 code units).
   * @throws ShnError `INVALID_ARGUMENT` for a bad position or a non-string.
   */
  insert(pos: number, text: string): void {
    if (typeof text !== 'string') invalid('text must be a string');
    if (!Number.isSafeInteger(pos) || pos < 0 || pos > this.list.length) invalid(`position ${pos} outside 0..${this.list.length}`);
    const n = text.length;
    if (n === 0) return;
    const list = this.list;
    const self = this.self;
    const seq = this.clocks[self]!;
    if (seq + n > Number.MAX_SAFE_INTEGER) invalid('sequence numbers exhausted');
    const cur = this.cur;
    let olA = -1;
    let olS = 0;
    let rightRun: TextRun | null;
    let leftRun: TextRun | null = null;
    if (pos === 0) {
      rightRun = list.first();
    } else {
      const k = list.findVisible(pos - 1, cur);
      leftRun = list.at(cur)!;
      olA = leftRun.agent;
      olS = leftRun.seq + k;
      if (k < leftRun.len - 1) {
        rightRun = list.split(leftRun, k + 1);
        list.locate(leftRun, cur);
      } else {
        rightRun = list.next({ chunk: cur.chunk, i: cur.i });
      }
    }
    const orA = rightRun === null ? -1 : rightRun.agent;
    const orS = rightRun === null ? 0 : rightRun.seq;
    this.clocks[self] = seq + n;
    if (
      leftRun !== null &&
      leftRun.agent === self &&
      !leftRun.deleted &&
      leftRun.seq + leftRun.len === seq &&
      olS === seq - 1 &&
      leftRun.orA === orA &&
      leftRun.orS === orS
    ) {
      leftRun.len += n;
      leftRun.content += text;
      list.addVisible(leftRun.chunk!, n);
    } else {
      const run = new TextRun(self, seq, n, text, false, olA, olS, orA, orS);
      list.insertAfter(pos === 0 ? null : cur, run);
    }
    if (this.listeners.size > 0 || this.collectOps) {
      this.emit({
        kind: 'insert',
        replica: this.replicaId,
        seq,
        left: olA < 0 ? null : { replica: this.names[olA]!, seq: olS },
        right: orA < 0 ? null : { replica: this.names[orA]!, seq: orS },
        text,
      });
    }
  }

  /**
   * Deletes `len` characters starting at `pos` (pos + len <= length).
   * @throws ShnError `INVALID_ARGUMENT` for a bad range.
   */
  delete(pos: number, len: number): void {
    const total = this.list.length;
    if (!Number.isSafeInteger(pos) || pos < 0 || pos > total) invalid(`position ${pos} outside 0..${total}`);
    if (!Number.isSafeInteger(len) || len < 0 || pos + len > total) invalid(`length ${len} runs past the end (${total})`);
    if (len === 0) return;
    const list = this.list;
    const cur = this.cur;
    const ranges: TextIdRange[] = [];
    let off = list.findVisible(pos, cur);
    let r: TextRun | null = list.at(cur)!;
    let remaining = len;
    while (remaining > 0 && r !== null) {
      if (r.deleted) {
        r = list.next(cur);
        off = 0;
        continue;
      }
      if (off > 0) {
        r = list.split(r, off);
        off = 0;
      }
      if (r.len > remaining) list.split(r, remaining);
      list.addVisible(r.chunk!, -r.len);
      r.deleted = true;
      r.content = '';
      remaining -= r.len;
      pushRange(ranges, { replica: this.names[r.agent]!, seq: r.seq, len: r.len });
      r = this.mergeAround(r);
      list.locate(r, cur);
      r = list.next(cur);
    }
    if (this.listeners.size > 0 || this.collectOps) this.emit({ kind: 'delete', ranges });
  }

  /** Merges a just-deleted run with compatible neighbours in its chunk; returns the survivor. */
  private mergeAround(r: TextRun): TextRun {
    const cur = this.cur;
    this.list.locate(r, cur);
    const runs = cur.chunk.runs;
    const nx = runs[cur.i + 1];
    if (nx !== undefined && canAppendRun(r, nx)) {
      r.len += nx.len;
      this.list.removeAt({ chunk: cur.chunk, i: cur.i + 1 });
    }
    if (cur.i > 0) {
      const pv = runs[cur.i - 1]!;
      if (canAppendRun(pv, r)) {
        pv.len += r.len;
        this.list.removeAt({ chunk: cur.chunk, i: cur.i });
        return pv;
      }
    }
    return r;
  }

  /**
   * Applies one remote op (idempotent; ops with missing dependencies are held until they
   * arrive). See {@link applyOps}.
   */
  applyOp(op: TextOp): void {
    this.applyOps([op]);
  }

  /**
   * Applies remote ops in any order, with duplicates. Every op is validated first: a
   * malformed op throws ShnError `INVALID_ARGUMENT` and nothing is applied. An insert
   * carrying this replica's own id beyond what it issued means another live replica uses
   * the same id: `INVALID_ARGUMENT`, nothing applied. Ops whose dependencies are missing
   * are held; when more than `maxPending` would be held, the excess is dropped and
   * ShnError `MESSAGE_LOST` is thrown after everything else was applied.
   */
  applyOps(ops: readonly TextOp[]): void {
    if (!Array.isArray(ops)) invalid('applyOps expects an array of ops');
    const inserts: { replica: string; seq: number; text: string; left: string | null; ls: number; right: string | null; rs: number }[] = [];
    const ranges: { name: string; seq: number; len: number }[] = [];
    for (const op of ops as readonly unknown[]) {
      if (typeof op !== 'object' || op === null) invalid('an op must be an object');
      const o = op as TextOp;
      if (o.kind === 'insert') {
        const replica = checkReplicaId(o.replica, 'op.replica');
        const seq = checkSeq(o.seq, 'op.seq');
        if (typeof o.text !== 'string' || o.text.length === 0) invalid('op.text must be a non-empty string');
        const end = seq + o.text.length;
        if (!Number.isSafeInteger(end)) invalid('op ids out of range');
        const left = checkId(o.left, 'op.left');
        const right = checkId(o.right, 'op.right');
        const own = (id: TextId | null): boolean => id !== null && id.replica === replica && id.seq >= seq && id.seq < end;
        if (own(left) || own(right)) invalid('an insert cannot have one of its own characters as origin');
        if (replica === this.replicaId && end > this.clocks[this.self]!) {
          invalid(`received characters of replica ${replica} that it never issued: its id is in use elsewhere`);
        }
        inserts.push({
          replica,
          seq,
          text: o.text,
          left: left === null ? null : left.replica,
          ls: left === null ? 0 : left.seq,
          right: right === null ? null : right.replica,
          rs: right === null ? 0 : right.seq,
        });
      } else if (o.kind === 'delete') {
        if (!Array.isArray(o.ranges)) invalid('op.ranges must be an array');
        for (const g of o.ranges as readonly TextIdRange[]) {
          if (typeof g !== 'object' || g === null) invalid('a range must be an object');
          const replica = checkReplicaId(g.replica, 'range.replica');
          const seq = checkSeq(g.seq, 'range.seq');
          const len = checkSeq(g.len, 'range.len');
          if (len === 0 || !Number.isSafeInteger(seq + len)) invalid('range.len must be positive and in range');
          ranges.push({ name: replica, seq, len });
        }
      } else invalid('op.kind must be "insert" or "delete"');
    }
    // Validated: now mutate.
    for (const i of inserts) {
      const olA = i.left === null ? -1 : this.agent(i.left);
      const orA = i.right === null ? -1 : this.agent(i.right);
      this.enqueue(new TextRun(this.agent(i.replica), i.seq, i.text.length, i.text, false, olA, i.ls, orA, i.rs));
    }
    this.drain();
    for (const g of ranges) this.applyRange(this.agent(g.name), g.seq, g.len);
    this.enforceBound();
  }

  private enqueue(run: TextRun): void {
    const q = this.queues[run.agent]!;
    const h = this.heads[run.agent]!;
    q.push(run);
    this.queued++;
    if (q.length - h > 1 && q[q.length - 2]!.seq > run.seq) {
      const rest = q.splice(h).sort((x, y) => x.seq - y.seq);
      q.push(...rest);
    }
  }

  /** Integrates every queued run whose dependencies are present, until no progress. */
  private drain(): void {
    if (this.queued === 0) return;
    const clocks = this.clocks;
    let progress = true;
    let any = false;
    while (progress && this.queued > 0) {
      progress = false;
      for (let a = 0; a < this.queues.length; a++) {
        const q = this.queues[a]!;
        let h = this.heads[a]!;
        while (h < q.length) {
          const run = q[h]!;
          const clock = clocks[a]!;
          if (run.seq + run.len <= clock) {
            // Duplicate: already integrated. A deleted copy still carries its deletion.
            if (run.deleted) this.applyRange(a, run.seq, run.len);
            h++;
            this.queued--;
            progress = true;
            continue;
          }
          if (run.seq < clock) {
            const k = clock - run.seq;
            if (run.deleted) this.applyRange(a, run.seq, k);
            else run.content = run.content.slice(k);
            run.seq = clock;
            run.len -= k;
            run.olA = a;
            run.olS = clock - 1;
          }
          if (run.seq > clock) break;
          if (run.olA >= 0 && run.olS >= clocks[run.olA]!) break;
          if (run.orA >= 0 && run.orS >= clocks[run.orA]!) break;
          integrateRun(this.list, this.ensureIndex(), this.names, run, this.marks);
          clocks[a] = run.seq + run.len;
          h++;
          this.queued--;
          progress = true;
          any = true;
        }
        if (h === q.length) {
          q.length = 0;
          h = 0;
        } else if (h > 1024 && h * 2 > q.length) {
          q.splice(0, h);
          h = 0;
        }
        this.heads[a] = h;
      }
    }
    if (any && this.pendingRanges.length > 0) {
      const ranges = this.pendingRanges;
      this.pendingRanges = [];
      for (const g of ranges) this.applyRange(g.agent, g.seq, g.len);
    }
  }

  /** Deletes the known part of `agent`'s ids `seq .. seq+len-1`; holds the rest. */
  private applyRange(agent: number, seq: number, len: number): void {
    const clock = this.clocks[agent]!;
    const end = Math.min(seq + len, clock);
    if (seq + len > clock) {
      const from = Math.max(seq, clock);
      this.pendingRanges.push({ agent, seq: from, len: seq + len - from });
    }
    if (seq >= end) return;
    const index = this.ensureIndex();
    const list = this.list;
    let q = seq;
    while (q < end) {
      let r = index.find(agent, q)!;
      if (q > r.seq) r = list.split(r, q - r.seq);
      if (r.seq + r.len > end) list.split(r, end - r.seq);
      const next = r.seq + r.len;
      if (!r.deleted) {
        list.addVisible(r.chunk!, -r.len);
        r.deleted = true;
        r.content = '';
        this.mergeAround(r);
      }
      q = next;
    }
  }

  private enforceBound(): void {
    let over = this.pendingCount - this.maxPending;
    if (over <= 0) return;
    const dropped = over;
    while (over > 0 && this.pendingRanges.length > 0) {
      this.pendingRanges.pop();
      over--;
    }
    for (let a = this.queues.length - 1; a >= 0 && over > 0; a--) {
      const q = this.queues[a]!;
      while (over > 0 && q.length > this.heads[a]!) {
        q.pop();
        this.queued--;
        over--;
      }
    }
    throw new ShnError('MESSAGE_LOST', `text crdt: causal buffer full, dropped ${dropped} operation(s) whose dependencies are missing`, {
      details: { dropped, maxPending: this.maxPending },
    });
  }

  /**
   * Encodes everything a replica at `since` is missing: the insert runs it has not seen
   * and the full delete set (compact binary, see the package README). Apply it with
   * {@link applyUpdate}. `diffSince(new Map())` is the whole state.
   * @throws ShnError `INVALID_ARGUMENT` for a malformed version vector.
   */
  diffSince(since: VersionVector): Uint8Array {
    if (!(since instanceof Map)) invalid('diffSince expects a version vector (a Map)');
    const from = this.names.map((n) => {
      const v = since.get(n) ?? 0;
      if (!Number.isSafeInteger(v) || v < 0) invalid(`version entry for ${n} must be a non-negative integer`);
      return v;
    });
    const runs: TextRun[] = [];
    const ranges: EncodedRange[] = [];
    let empty = true;
    for (const ch of this.list.chunks) {
      for (const r of ch.runs) {
        const f = from[r.agent]!;
        if (f > 0) empty = false;
        if (r.seq + r.len <= f) {
          if (r.deleted) ranges.push({ agent: r.agent, seq: r.seq, len: r.len });
        } else if (r.seq >= f) runs.push(r);
        else {
          const k = f - r.seq;
          if (r.deleted) ranges.push({ agent: r.agent, seq: r.seq, len: k });
          runs.push(new TextRun(r.agent, f, r.len - k, r.deleted ? '' : r.content.slice(k), r.deleted, r.agent, f - 1, r.orA, r.orS));
        }
      }
    }
    ranges.sort((x, y) => x.agent - y.agent || x.seq - y.seq);
    const merged: EncodedRange[] = [];
    for (const g of ranges) {
      const last = merged[merged.length - 1];
      if (last !== undefined && last.agent === g.agent && last.seq + last.len === g.seq) last.len += g.len;
      else merged.push({ ...g });
    }
    return encodeUpdate(this.names, runs, merged, empty && merged.length === 0);
  }

  /** The whole state, compactly encoded (runs in document order); load it with {@link TextCrdt.decodeState}. */
  encodeState(): Uint8Array {
    const runs: TextRun[] = [];
    this.list.forEach((r) => runs.push(r));
    return encodeUpdate(this.names, runs, [], true);
  }

  /**
   * Joins an update (a state or a delta from {@link diffSince}) into this document.
   * Bytes are fully decoded and validated before anything changes: bad bytes throw
   * ShnError `DECODE_FAILED` and leave the document untouched. Runs carrying this
   * replica's own id beyond what it issued throw `INVALID_ARGUMENT` (id reuse), also with
   * no change. Parts whose dependencies are missing are held (see `maxPending`).
   */
  applyUpdate(bytes: Uint8Array): void {
    const u = decodeUpdate(bytes);
    const selfIdx = u.agents.indexOf(this.replicaId);
    if (selfIdx >= 0) {
      for (const r of u.runs) {
        if (r.agent === selfIdx && r.seq + r.len > this.clocks[this.self]!) {
          invalid(`update holds characters of replica ${this.replicaId} that it never issued: its id is in use elsewhere`);
        }
      }
    }
    this.applyDecoded(u);
  }

  private applyDecoded(u: DecodedUpdate): void {
    const map = u.agents.map((n) => this.agent(n));
    for (const r of u.runs) {
      r.agent = map[r.agent]!;
      if (r.olA >= 0) r.olA = map[r.olA]!;
      if (r.orA >= 0) r.orA = map[r.orA]!;
    }
    if (u.full && this.list.runCount === 0 && this.pendingCount === 0) {
      this.list.bulkLoad(u.runs);
      for (const r of u.runs) if (r.seq + r.len > this.clocks[r.agent]!) this.clocks[r.agent] = r.seq + r.len;
      return;
    }
    for (const r of u.runs) this.enqueue(r);
    this.drain();
    for (const g of u.ranges) this.applyRange(map[g.agent]!, g.seq, g.len);
    this.enforceBound();
  }

  /** State-based merge: joins everything `other` has that this document lacks. */
  merge(other: TextCrdt): void {
    if (!(other instanceof TextCrdt)) invalid('merge expects a TextCrdt');
    this.applyUpdate(other.diffSince(this.version()));
  }

  /**
   * Loads a state written by {@link encodeState} as a new replica `replicaId`.
   *
   * The restore rule: `replicaId` must be fresh, i.e. must not appear in the state as an
   * author. A replica restored from a checkpoint cannot know what its previous incarnation
   * did after that checkpoint, so reusing its id could give two different characters the
   * same id and corrupt every replica that sees both. Use a new id (e.g. `${base}~${n}`
   * with a restart counter or random suffix from your Rng).
   *
   * @throws ShnError `DECODE_FAILED` for bad bytes or a delta that is not a full state;
   * `INVALID_ARGUMENT` for a bad or reused replica id.
   */
  static decodeState(bytes: Uint8Array, replicaId: string, options: TextCrdtOptions = {}): TextCrdt {
    const doc = new TextCrdt(replicaId, options);
    const u = decodeUpdate(bytes);
    if (!u.full) throw new ShnError('DECODE_FAILED', 'text crdt: bytes hold a delta, not a full state');
    const selfIdx = u.agents.indexOf(replicaId);
    if (selfIdx >= 0 && u.runs.some((r) => r.agent === selfIdx)) {
      invalid(`replica id ${replicaId} already authored part of this state: a restored replica needs a fresh id`);
    }
    doc.applyDecoded(u);
    return doc;
  }
}

function sameId(a: TextId | null, b: TextId | null): boolean {
  if (a === null || b === null) return a === b;
  return a.replica === b.replica && a.seq === b.seq;
}

/** Appends a range, merging it with the last one when they touch (in either direction). */
function pushRange(ranges: TextIdRange[], g: TextIdRange): void {
  const last = ranges[ranges.length - 1];
  if (last !== undefined && last.replica === g.replica) {
    if (last.seq + last.len === g.seq) {
      ranges[ranges.length - 1] = { replica: g.replica, seq: last.seq, len: last.len + g.len };
      return;
    }
    if (g.seq + g.len === last.seq) {
      ranges[ranges.length - 1] = { replica: g.replica, seq: g.seq, len: last.len + g.len };
      return;
    }
  }
  ranges.push(g);
}

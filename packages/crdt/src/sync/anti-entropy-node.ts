import type { ShnError } from '@shn/core';
import { ShnError as Err, isShnError } from '@shn/core';
import { decodeWithHeader, encodeWithHeader, PayloadKind } from '../codec/crdt-codec.js';
import { readVv, vvMeet, writeVv } from '../causal/version-vector.js';
import { decodeFailed } from '../encoding/crdt-reader.js';
import { checkReplicaId } from '../replica/replica-id.js';
import type { CrdtType } from '../types/crdt-type.js';
import type { ChunkMessage, DigestMessage, SyncMessage } from './sync-message.js';
import { parseSyncMessage } from './sync-message.js';

/** A message to send: the peer's replica id and the message. */
export interface Outgoing {
  readonly to: string;
  readonly message: SyncMessage;
}

/** Events an {@link AntiEntropyNode} reports (bad input is reported, never thrown at the transport). */
export type AntiEntropyEvent =
  | { readonly type: 'rejected'; readonly from: string; readonly error: ShnError }
  | { readonly type: 'applied'; readonly from: string; readonly deltas: number; readonly fullState: boolean };

/** Options of {@link AntiEntropyNode}. */
export interface AntiEntropyOptions {
  /** Network ids of the other nodes (what messages are addressed to and `from`). */
  readonly peers: readonly string[];
  /**
   * The replica id this node's mutations and delta stream are issued under (default: the
   * node id). A node whose state was lost or restored from a checkpoint must start under a
   * new replica id (see `incarnationId`) while keeping its network id.
   */
  readonly replicaId?: string;
  /** Largest chunk payload in bytes (default 16 KiB, minimum 64). Every message stays near this size. */
  readonly maxMessageBytes?: number;
  /** Soft cap on the deltas sent in reply to one digest, in encoded bytes (default 256 KiB); the rest follows on the next round. */
  readonly maxBatchBytes?: number;
  /** Event sink (rejected input, applied batches). */
  readonly onEvent?: (event: AntiEntropyEvent) => void;
}

interface LoggedDelta<S> {
  readonly seq: number;
  readonly delta: S;
  readonly size: number;
}

interface Batch<S> {
  readonly more: boolean;
  readonly state: { readonly cover: Map<string, number>; readonly state: S } | undefined;
  readonly deltas: { readonly origin: string; readonly seq: number; readonly delta: S }[];
}

/**
 * Transport-agnostic, sans-I/O anti-entropy for one replica (delta-state replication with
 * digest-based sync). Each local mutation becomes a numbered delta of this replica's
 * stream. Peers exchange digests (per origin, the highest contiguous delta received) and
 * answer with exactly the deltas the other lacks, relaying other origins' deltas too, or the
 * full state when those deltas were already garbage-collected. Replies are encoded, split
 * into chunks of at most `maxMessageBytes` and reassembled; a lost chunk only loses that
 * transfer, and the next digest round (on the caller's timer) resends from where the peer
 * really is. Everything is idempotent: duplicates and reordering are harmless.
 *
 * Garbage collection: deltas every peer has acknowledged (through its digests) are
 * dropped from the log.
 *
 * Drive it with `tick()` on a timer and `receive()` for each incoming message; send what
 * both return. `antiEntropyBehavior` does that as an actor.
 */
export class AntiEntropyNode<S, V> {
  private current: S;
  private readonly have = new Map<string, number>();
  private readonly floor = new Map<string, number>();
  private readonly log = new Map<string, LoggedDelta<S>[]>();
  private readonly peerHave = new Map<string, Map<string, number>>();
  private readonly inbound = new Map<string, { transfer: number; total: number; parts: (Uint8Array | undefined)[]; got: number }>();
  private peerSet: Set<string>;
  private transfer = 0;
  private readonly maxMessageBytes: number;
  private readonly maxBatchBytes: number;
  private readonly onEvent: (e: AntiEntropyEvent) => void;
  /** The replica id mutations are issued under. */
  readonly replicaId: string;

  /** @throws ShnError `INVALID_ARGUMENT` for a bad id, peer list or size bound. */
  constructor(
    readonly type: CrdtType<S, V>,
    readonly id: string,
    options: AntiEntropyOptions,
  ) {
    checkReplicaId(id);
    this.replicaId = options.replicaId ?? id;
    checkReplicaId(this.replicaId);
    this.maxMessageBytes = options.maxMessageBytes ?? 16 * 1024;
    this.maxBatchBytes = options.maxBatchBytes ?? 256 * 1024;
    if (!Number.isSafeInteger(this.maxMessageBytes) || this.maxMessageBytes < 64) throw new Err('INVALID_ARGUMENT', 'maxMessageBytes must be an integer >= 64');
    if (!Number.isSafeInteger(this.maxBatchBytes) || this.maxBatchBytes < 1) throw new Err('INVALID_ARGUMENT', 'maxBatchBytes must be a positive integer');
    this.peerSet = this.checkPeers(options.peers);
    this.onEvent = options.onEvent ?? (() => {});
    this.current = type.bottom();
  }

  private checkPeers(peers: readonly string[]): Set<string> {
    // An array, not any iterable: a string would otherwise be taken as one peer per character.
    if (!Array.isArray(peers)) throw new Err('INVALID_ARGUMENT', 'peers must be an array of replica ids (it may include this node\'s own id)');
    for (const p of peers) checkReplicaId(p);
    const set = new Set(peers);
    set.delete(this.id);
    return set;
  }

  /** The current state. */
  get state(): S {
    return this.current;
  }

  /** The current value. */
  get value(): V {
    return this.type.value(this.current);
  }

  /** Per origin, the highest contiguous delta received (a copy). */
  get digest(): Map<string, number> {
    return new Map(this.have);
  }

  /** Deltas currently kept for peers that may still need them. */
  get logSize(): number {
    let n = 0;
    for (const l of this.log.values()) n += l.length;
    return n;
  }

  /** Replaces the peer list (e.g. to retire the id of a replica that was restored under a new id). */
  setPeers(peers: readonly string[]): void {
    this.peerSet = this.checkPeers(peers);
    for (const p of [...this.peerHave.keys()]) if (!this.peerSet.has(p)) this.peerHave.delete(p);
  }

  /** Applies a local mutation (`mutator(state, id)` returns a delta) and logs the delta for peers. */
  mutate(mutator: (state: S, replicaId: string) => S): S {
    const delta = mutator(this.current, this.replicaId);
    const seq = (this.have.get(this.replicaId) ?? 0) + 1;
    this.append(this.replicaId, seq, delta, encodeDelta(this.type, delta).length);
    this.current = this.type.join(this.current, delta);
    return delta;
  }

  /** One round: garbage-collects the log and returns this replica's digest for every peer. */
  tick(): Outgoing[] {
    this.collectGarbage();
    const message = this.digestMessage();
    return [...this.peerSet].map((to) => ({ to, message }));
  }

  /**
   * Handles one incoming message (validated here: malformed input is reported through
   * `onEvent` as `rejected` and changes nothing) and returns the replies to send.
   */
  receive(raw: unknown): Outgoing[] {
    let message: SyncMessage;
    try {
      message = parseSyncMessage(raw);
    } catch (e) {
      this.onEvent({ type: 'rejected', from: senderOf(raw), error: e as ShnError });
      return [];
    }
    if (!this.peerSet.has(message.from)) {
      this.onEvent({ type: 'rejected', from: message.from, error: new Err('PROTOCOL_ERROR', `message from unknown replica ${message.from}`) });
      return [];
    }
    return message.t === 'digest' ? this.onDigest(message) : this.onChunk(message);
  }

  private digestMessage(): DigestMessage {
    return { t: 'digest', from: this.id, have: [...this.have] };
  }

  private onDigest(m: DigestMessage): Outgoing[] {
    const theirs = new Map<string, number>(m.have.map(([r, n]) => [r, n]));
    const known = this.peerHave.get(m.from);
    const merged = known === undefined ? theirs : new Map(known);
    if (known !== undefined) for (const [r, n] of theirs) if (n > (merged.get(r) ?? 0)) merged.set(r, n);
    this.peerHave.set(m.from, merged);
    const out: Outgoing[] = [];
    const batch = this.batchFor(theirs);
    if (batch !== undefined) out.push(...this.chunk(m.from, batch));
    // Pull: if the peer has deltas we lack, our digest makes it send them.
    for (const [r, n] of theirs) {
      if (n > (this.have.get(r) ?? 0)) {
        out.push({ to: m.from, message: this.digestMessage() });
        break;
      }
    }
    return out;
  }

  private batchFor(theirs: Map<string, number>): Uint8Array | undefined {
    let needState = false;
    let needed = false;
    for (const [r, n] of this.have) {
      const t = theirs.get(r) ?? 0;
      if (t >= n) continue;
      needed = true;
      if (t < (this.floor.get(r) ?? 0)) needState = true;
    }
    if (!needed) return undefined;
    if (needState) {
      return encodeBatch(this.type, { more: false, state: { cover: new Map(this.have), state: this.current }, deltas: [] });
    }
    const deltas: Batch<S>['deltas'] = [];
    let bytes = 0;
    let more = false;
    for (const [origin, entries] of this.log) {
      const t = theirs.get(origin) ?? 0;
      for (const e of entries) {
        if (e.seq <= t) continue;
        if (bytes > 0 && bytes + e.size > this.maxBatchBytes) {
          more = true;
          break;
        }
        deltas.push({ origin, seq: e.seq, delta: e.delta });
        bytes += e.size;
      }
      if (more) break;
    }
    return encodeBatch(this.type, { more, state: undefined, deltas });
  }

  private chunk(to: string, bytes: Uint8Array): Outgoing[] {
    const transfer = ++this.transfer;
    const total = Math.max(1, Math.ceil(bytes.length / this.maxMessageBytes));
    const out: Outgoing[] = [];
    for (let i = 0; i < total; i++) {
      const part = bytes.slice(i * this.maxMessageBytes, (i + 1) * this.maxMessageBytes);
      out.push({ to, message: { t: 'chunk', from: this.id, transfer, index: i, total, bytes: part } });
    }
    return out;
  }

  private onChunk(m: ChunkMessage): Outgoing[] {
    if (m.bytes.length > this.maxMessageBytes || m.total > 1 + Math.ceil((64 * 1024 * 1024) / this.maxMessageBytes)) {
      this.onEvent({ type: 'rejected', from: m.from, error: new Err('PROTOCOL_ERROR', 'chunk exceeds the size bounds') });
      return [];
    }
    let slot = this.inbound.get(m.from);
    if (slot === undefined || slot.transfer !== m.transfer || slot.total !== m.total) {
      if (slot !== undefined && m.transfer < slot.transfer) return []; // a stale transfer
      slot = { transfer: m.transfer, total: m.total, parts: new Array<Uint8Array | undefined>(m.total), got: 0 };
      this.inbound.set(m.from, slot);
    }
    if (slot.parts[m.index] === undefined) {
      slot.parts[m.index] = m.bytes.slice();
      slot.got++;
    }
    if (slot.got < slot.total) return [];
    this.inbound.delete(m.from);
    const whole = concat(slot.parts as Uint8Array[]);
    let batch: Batch<S>;
    try {
      batch = decodeBatch(this.type, whole); // decoded in full before anything is applied
    } catch (e) {
      this.onEvent({ type: 'rejected', from: m.from, error: isShnError(e) ? e : new Err('DECODE_FAILED', String(e)) });
      return [];
    }
    this.apply(batch);
    this.onEvent({ type: 'applied', from: m.from, deltas: batch.deltas.length, fullState: batch.state !== undefined });
    return batch.more ? [{ to: m.from, message: this.digestMessage() }] : [];
  }

  private apply(batch: Batch<S>): void {
    if (batch.state !== undefined) {
      this.current = this.type.join(this.current, batch.state.state);
      for (const [r, n] of batch.state.cover) {
        if (n <= (this.have.get(r) ?? 0)) continue;
        // Deltas up to n are inside the joined state but not in our log: raise the floor.
        this.have.set(r, n);
        this.floor.set(r, n);
        this.log.set(r, (this.log.get(r) ?? []).filter((e) => e.seq > n));
      }
    }
    for (const d of batch.deltas) {
      const h = this.have.get(d.origin) ?? 0;
      if (d.seq !== h + 1) continue; // duplicate, or a gap a later round fills
      this.append(d.origin, d.seq, d.delta, encodeDelta(this.type, d.delta).length);
      this.current = this.type.join(this.current, d.delta);
    }
  }

  private append(origin: string, seq: number, delta: S, size: number): void {
    let l = this.log.get(origin);
    if (l === undefined) this.log.set(origin, (l = []));
    l.push({ seq, delta, size });
    this.have.set(origin, seq);
  }

  private collectGarbage(): void {
    if (this.peerSet.size === 0) return;
    const vectors = [this.have];
    for (const p of this.peerSet) vectors.push(this.peerHave.get(p) ?? new Map());
    const stable = vvMeet(vectors);
    for (const [origin, entries] of this.log) {
      const s = stable.get(origin) ?? 0;
      if (s === 0 || entries.length === 0 || entries[0]!.seq > s) continue;
      this.log.set(
        origin,
        entries.filter((e) => e.seq > s),
      );
      if (s > (this.floor.get(origin) ?? 0)) this.floor.set(origin, s);
    }
  }
}

function senderOf(raw: unknown): string {
  const from = typeof raw === 'object' && raw !== null ? (raw as { from?: unknown }).from : undefined;
  return typeof from === 'string' ? from : '?';
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function encodeDelta<S, V>(type: CrdtType<S, V>, delta: S): Uint8Array {
  return encodeWithHeader(PayloadKind.State, type.tag, (w) => type.write(w, delta));
}

function encodeBatch<S, V>(type: CrdtType<S, V>, batch: Batch<S>): Uint8Array {
  return encodeWithHeader(PayloadKind.Batch, type.tag, (w) => {
    w.u8(batch.more ? 1 : 0);
    if (batch.state !== undefined) {
      w.u8(1);
      writeVv(w, batch.state.cover);
      type.write(w, batch.state.state);
    } else {
      w.u8(0);
    }
    w.varint(batch.deltas.length);
    for (const d of batch.deltas) {
      w.replica(d.origin);
      w.varint(d.seq);
      type.write(w, d.delta);
    }
  });
}

function decodeBatch<S, V>(type: CrdtType<S, V>, bytes: Uint8Array): Batch<S> {
  return decodeWithHeader(bytes, PayloadKind.Batch, type.tag, (r) => {
    const more = r.u8();
    if (more > 1) decodeFailed('bad batch flag');
    const hasState = r.u8();
    if (hasState > 1) decodeFailed('bad batch flag');
    const state = hasState === 1 ? { cover: readVv(r, decodeFailed), state: type.read(r) } : undefined;
    const n = r.count(3);
    const deltas: Batch<S>['deltas'] = [];
    for (let i = 0; i < n; i++) deltas.push({ origin: r.replica(), seq: r.positive(), delta: type.read(r) });
    return { more: more === 1, state, deltas };
  });
}

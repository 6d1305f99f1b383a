import type { Clock } from '@shn/core';
import { ShnError, systemClock } from '@shn/core';
import type { VersionVector } from '../causal/version-vector.js';
import { vvMeet } from '../causal/version-vector.js';
import { checkReplicaId } from '../replica/replica-id.js';
import type { CrdtType } from '../types/crdt-type.js';
import type { Op } from './op.js';

/** What happened to one received op. */
export type OpReceipt = 'applied' | 'duplicate' | 'held' | 'rejected';

/** An op the causal buffer gave up on (it was not applied; a later resend is still accepted). */
export interface DroppedOp<S> {
  readonly op: Op<S>;
  /** `MAILBOX_FULL` when the buffer was at its bound, `TIMEOUT` when held too long. */
  readonly error: ShnError;
}

/** Options of {@link OpReplicator}. */
export interface OpReplicatorOptions<S> {
  /** Most early ops held waiting for their dependencies (default 1024). */
  readonly maxHeld?: number;
  /** Milliseconds an op may wait for its dependencies before it is dropped (default 30 000). */
  readonly holdTimeoutMs?: number;
  /** Time source for the hold timeout (default systemClock). */
  readonly clock?: Clock;
  /** Called for every op given up on, never applied out of causal order. */
  readonly onDropped?: (dropped: DroppedOp<S>) => void;
}

/**
 * Op-based replication with a causal-delivery buffer. Local mutations become {@link Op}s
 * stamped with the version vector of delivered ops; a received op is applied only once
 * every op it depends on has been applied here. Duplicates are ignored; early ops are held
 * (at most `maxHeld`, each at most `holdTimeoutMs`); beyond either bound the op is dropped
 * and reported through `onDropped` with a ShnError, never applied out of order.
 *
 * Delivered ops are logged for retransmission; `prune` drops those every replica has
 * acknowledged (below the stable vector).
 */
export class OpReplicator<S, V> {
  private current: S;
  private readonly delivered = new Map<string, number>();
  private readonly held = new Map<string, { op: Op<S>; since: number }>();
  private readonly log: Op<S>[] = [];
  private readonly acks = new Map<string, VersionVector>();
  private readonly maxHeld: number;
  private readonly holdTimeoutMs: number;
  private readonly clock: Clock;
  private readonly onDropped: (d: DroppedOp<S>) => void;

  /** @throws ShnError `INVALID_ARGUMENT` for a bad id or bounds. */
  constructor(
    readonly type: CrdtType<S, V>,
    readonly id: string,
    options: OpReplicatorOptions<S> = {},
  ) {
    checkReplicaId(id);
    this.maxHeld = options.maxHeld ?? 1024;
    this.holdTimeoutMs = options.holdTimeoutMs ?? 30_000;
    if (!Number.isSafeInteger(this.maxHeld) || this.maxHeld < 0) throw new ShnError('INVALID_ARGUMENT', 'maxHeld must be a non-negative integer');
    if (!(this.holdTimeoutMs > 0)) throw new ShnError('INVALID_ARGUMENT', 'holdTimeoutMs must be positive');
    this.clock = options.clock ?? systemClock;
    this.onDropped = options.onDropped ?? (() => {});
    this.current = type.bottom();
  }

  /** The current state. */
  get state(): S {
    return this.current;
  }

  /** The current value. */
  get value(): V {
    return this.type.value(this.current);
  }

  /** Ops delivered here, per origin (a copy). */
  get version(): Map<string, number> {
    return new Map(this.delivered);
  }

  /** Number of early ops waiting for their dependencies. */
  get heldCount(): number {
    return this.held.size;
  }

  /** Number of delivered ops still kept for retransmission. */
  get logSize(): number {
    return this.log.length;
  }

  /** Applies a local mutation and returns the op to broadcast. If `mutator` throws, nothing changes. */
  mutate(mutator: (state: S, replicaId: string) => S): Op<S> {
    const delta = mutator(this.current, this.id);
    const deps = new Map(this.delivered);
    deps.delete(this.id);
    const op: Op<S> = { origin: this.id, seq: (this.delivered.get(this.id) ?? 0) + 1, deps, delta };
    this.deliver(op);
    return op;
  }

  /**
   * Receives a remote op: applies it and any held ops it unblocks, holds it, or ignores a duplicate.
   * @throws ShnError `INVALID_ARGUMENT` for a malformed op (a bad origin, seq or deps, or no delta),
   *   which is refused before it can take a place in the causal buffer. Ops from
   *   `opCodec(type).decode` are always well formed.
   */
  receive(op: Op<S>): OpReceipt {
    checkOp(op);
    this.expire();
    if (op.seq <= (this.delivered.get(op.origin) ?? 0)) return 'duplicate';
    const key = `${op.origin}\u0000${op.seq}`;
    if (this.held.has(key)) return 'duplicate';
    if (!this.ready(op)) {
      if (this.held.size >= this.maxHeld) {
        this.onDropped({ op, error: new ShnError('MAILBOX_FULL', `causal buffer full (${this.maxHeld} ops held); op ${op.origin}:${op.seq} dropped`) });
        return 'rejected';
      }
      this.held.set(key, { op, since: this.clock.monotonic() });
      return 'held';
    }
    this.deliver(op);
    this.drainHeld();
    return 'applied';
  }

  /** Drops (and reports with `TIMEOUT`) held ops older than the hold timeout. Returns how many. */
  expire(): number {
    const now = this.clock.monotonic();
    let n = 0;
    for (const [key, h] of this.held) {
      if (now - h.since < this.holdTimeoutMs) continue;
      this.held.delete(key);
      n++;
      this.onDropped({ op: h.op, error: new ShnError('TIMEOUT', `op ${h.op.origin}:${h.op.seq} waited ${this.holdTimeoutMs} ms for its dependencies`) });
    }
    return n;
  }

  /** Logged ops a peer whose delivered vector is `peer` is missing, in causal order. */
  missing(peer: VersionVector): Op<S>[] {
    return this.log.filter((op) => op.seq > (peer.get(op.origin) ?? 0));
  }

  /** Records that `replica` has delivered everything in `vv` (for {@link prune}). */
  acknowledge(replica: string, vv: VersionVector): void {
    this.acks.set(replica, new Map(vv));
  }

  /**
   * Drops logged ops that every replica in `replicas` has acknowledged (the stable vector)
   * and returns how many were dropped. A replica without an acknowledgement blocks pruning.
   */
  prune(replicas: readonly string[]): number {
    const vectors: VersionVector[] = [this.delivered];
    for (const r of replicas) if (r !== this.id) vectors.push(this.acks.get(r) ?? new Map());
    const stable = vvMeet(vectors);
    const before = this.log.length;
    const kept = this.log.filter((op) => op.seq > (stable.get(op.origin) ?? 0));
    this.log.length = 0;
    this.log.push(...kept);
    return before - kept.length;
  }

  private ready(op: Op<S>): boolean {
    if (op.seq !== (this.delivered.get(op.origin) ?? 0) + 1) return false;
    for (const [r, n] of op.deps) if (r !== op.origin && (this.delivered.get(r) ?? 0) < n) return false;
    return true;
  }

  private deliver(op: Op<S>): void {
    this.current = this.type.join(this.current, op.delta);
    this.delivered.set(op.origin, op.seq);
    this.log.push(op);
  }

  private drainHeld(): void {
    let progress = true;
    while (progress) {
      progress = false;
      for (const [key, h] of this.held) {
        if (h.op.seq <= (this.delivered.get(h.op.origin) ?? 0)) {
          this.held.delete(key);
          continue;
        }
        if (this.ready(h.op)) {
          this.held.delete(key);
          this.deliver(h.op);
          progress = true;
        }
      }
    }
  }
}

function badOp(message: string): never {
  throw new ShnError('INVALID_ARGUMENT', `OpReplicator.receive: ${message}`);
}

/** Checks the shape of an op that did not come through the codec. */
function checkOp(op: unknown): void {
  if (typeof op !== 'object' || op === null) badOp('an op must be an object { origin, seq, deps, delta }');
  const { origin, seq, deps } = op as Partial<Op<unknown>>;
  try {
    checkReplicaId(origin as string);
  } catch (e) {
    badOp(`origin: ${(e as Error).message}`);
  }
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) badOp(`seq must be a positive safe integer, got ${String(seq)}`);
  if (!(deps instanceof Map)) badOp('deps must be a Map of replica id to op count');
  for (const [r, n] of deps as Map<unknown, unknown>) {
    if (typeof r !== 'string' || typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) badOp('deps must map replica ids to non-negative safe integers');
  }
  if (!('delta' in op)) badOp('an op needs a delta');
}

import type { ActorBehavior, ActorContext, Address, Envelope, Next, TimerHandle } from '@shn/core';
import { BoundedMailbox } from '../mailbox/bounded-mailbox.js';
import type { ResolvedActorKind } from './actor-kind.js';
import type { MailboxItem, ReplyFn } from './queued-ask.js';
import type { RestartWindow } from '@shn/core';

/**
 * Lifecycle of a cell:
 * - `live`: accepting and (when scheduled) handling messages;
 * - `stopping`: running stop hooks (its own and its children's); messages still queue;
 * - `dead`: removed from the host for good.
 */
export type CellStatus = 'live' | 'stopping' | 'dead';

/**
 * The host's bookkeeping for one local actor: its mailbox, its current behaviour instance, its
 * place in the supervision tree and its scheduling state. Internal to the actor system; one cell
 * lives across restarts (each restart is a new *incarnation* with a fresh behaviour).
 */
export class ActorCell {
  /** `kind/id` (for per-shard kinds: `kind/<shard index>`). */
  readonly name: string;
  readonly kind: ResolvedActorKind;
  /** The id the factory and `ctx.id` see. */
  readonly id: string;
  readonly address: Address;
  /** The supervising actor; `undefined` for top-level actors (supervised by the shard guardian). */
  readonly parent: ActorCell | undefined;
  /** Children in start order. */
  readonly children: ActorCell[] = [];
  readonly mailbox: BoundedMailbox<MailboxItem>;
  /** Restart window for this actor's children (created on first child restart). */
  childWindow: RestartWindow | undefined;

  status: CellStatus = 'live';
  /** The current behaviour instance; `undefined` until the factory ran (or after a crash). */
  behavior: ActorBehavior | undefined;
  /** Set by the host right after construction. */
  ctx!: ActorContext;
  /** Middleware receive chain around `behavior.receive`; built once per cell. */
  invoke!: Next<unknown>;
  /** Bumped on every restart/termination so late promise settlements of old instances are ignored. */
  incarnation = 0;
  /** The factory + start hook must run before the next message. */
  needsStart = true;
  /** Awaiting an async start or receive. */
  busy = false;
  /** Inside a synchronous receive/start call right now. */
  running = false;
  /** Set when a delivery reached the behaviour's `receive` (false after a throw: middleware refused before it ran). */
  entered = false;
  /** What `busy` is awaiting: the start hook or a message. */
  inStart = false;
  /** The message being handled (while running or busy). */
  currentEnv: Envelope | undefined;
  currentReply: ReplyFn | undefined;
  /** `ctx.stop()` was called while a message was being handled; stop once it settles. */
  stopRequested = false;
  /** Promise settlement handlers of the current incarnation (allocated once per incarnation). */
  onResolved!: (value: unknown) => void;
  onRejected!: (error: unknown) => void;
  /** In the host's ready list. */
  scheduled = false;
  nextReady: ActorCell | undefined;
  /** Monotonic ms of the last handled batch (for passivation). */
  lastActive = 0;
  idleTimer: TimerHandle | undefined;
  /** Resolved when the cell stops being busy (graceful stops wait for the current message). */
  idleWaiters: (() => void)[] | undefined;
  /** Envelopes waiting for this cell in the host's run queue (they hold room in its mailbox). */
  reserved = 0;
  /** Checkpoints: messages handled since the last snapshot. */
  sinceSave = 0;
  /** Checkpoints: monotonic ms of the last snapshot (or of the start). */
  lastSaveAt = 0;
  /** Checkpoints: a save is in flight. */
  saving = false;
  /** Checkpoints: the newest snapshot taken while a save was in flight. */
  pendingSnapshot: Uint8Array | undefined;

  constructor(
    name: string,
    kind: ResolvedActorKind,
    id: string,
    address: Address,
    parent: ActorCell | undefined,
  ) {
    this.name = name;
    this.kind = kind;
    this.id = id;
    this.address = address;
    this.parent = parent;
    this.mailbox = new BoundedMailbox<MailboxItem>(kind.mailboxCapacity);
  }

  /** True when the cell has nothing to run right now (no start pending, no message, not busy). */
  get idle(): boolean {
    return !this.busy && !this.needsStart && this.mailbox.size === 0;
  }
}

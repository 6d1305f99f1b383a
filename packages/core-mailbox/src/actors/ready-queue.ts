import { ShnError, isShnError, isThenable } from '@shn/core';
import type { Envelope, RunQueue } from '@shn/core';
import { ActorCell } from './actor-cell.js';
import { QueuedAsk } from './queued-ask.js';
import type { MailboxItem, ReplyFn } from './queued-ask.js';
import { PUMP_IDLE, PUMP_QUEUED, PUMP_RUNNING } from './host-state.js';
import type { HostState, ReadyQueuePart } from './host-state.js';

/**
 * The host's ready queue and its turns: delivery into mailboxes (through the run-queue slot when
 * one is configured), the list of actors with work, and the pump that runs them in bounded
 * batches, including start hooks and the settlement of async receives.
 */
export class ReadyQueue implements ReadyQueuePart {
  constructor(readonly h: HostState) {}

  /**
   * Delivers one envelope to the local actor `env.to.actor` (kind/id), activating it if needed.
   * Returns 'accepted' (queued), 'full' (that actor's mailbox is full; nothing queued) or 'closed' (host stopping).
   * Unknown kind: returns 'accepted' but the reply (if any) rejects with ACTOR_NOT_FOUND — see `reply` below
   * (runtimes refuse unknown kinds at the call, before an envelope is built). An actor removed for
   * good after an escalation is refused the same way, with ACTOR_FAILED.
   * With a `runQueue` slot, an accepted envelope first waits in the run queue, which decides the
   * order in which envelopes reach their actors' mailboxes; `full` still means that actor's mailbox
   * (plus what the run queue holds for it) is at capacity.
   * If `reply` is given (an ask), it is called exactly once with (undefined, result) or (error, undefined), where
   * error is a ShnError: ACTOR_FAILED (receive threw; original message kept in .message, cause chained),
   * DEADLINE_EXCEEDED (env.deadline passed before receive started: the actor is NOT run),
   * ACTOR_NOT_FOUND, or RUNTIME_CLOSED (host stopped before the message ran).
   *
   * `reply` is called only when 'accepted' is returned, and never synchronously inside `deliver`.
   * A malformed envelope (no `kind/id` in `to.actor`) is treated like an unknown kind but with
   * `INVALID_ARGUMENT`. A tell that can never run (unknown kind, deadline passed, actor stopped
   * for good) is reported as a 'message-lost' event.
   * @throws ShnError `INVALID_ARGUMENT` if `reply` is neither undefined nor a function.
   */
  deliver(env: Envelope, reply?: ReplyFn): 'accepted' | 'full' | 'closed' {
    if (reply !== undefined && typeof reply !== 'function') {
      throw new ShnError('INVALID_ARGUMENT', 'reply must be a function');
    }
    if (this.h.closed) return 'closed';
    const actor = (env as Partial<Envelope> | null | undefined)?.to?.actor;
    let cell = typeof actor === 'string' ? this.h.cells.get(actor) : undefined;
    if (cell === undefined) {
      // Every id of a per-shard kind goes to one cell: remember the last one (no lookup, no slice per message).
      const last = this.h.lastShardCell;
      if (last !== undefined && last.status !== 'dead' && (actor as string).startsWith(this.h.lastShardPrefix)) cell = last;
    }
    if (cell === undefined) {
      const target = this.h.resolveTarget(actor);
      if (!(target instanceof ActorCell)) {
        this.h.refuse(env, reply ?? this.h.onDone, target);
        return 'accepted';
      }
      cell = target;
    }
    const rq = this.h.runQueue;
    if (rq !== undefined) return this.enqueue(rq, cell, env, reply);
    const result = cell.mailbox.offer(reply === undefined ? env : new QueuedAsk(env, reply));
    if (result !== 'accepted') return result;
    this.h.queued++;
    if (!cell.scheduled) this.schedule(cell);
    return 'accepted';
  }

  /** Queues `env` in the run queue, reserving room in its actor's mailbox. */
  enqueue(rq: RunQueue<Envelope>, cell: ActorCell, env: Envelope, reply: ReplyFn | undefined): 'accepted' | 'full' | 'closed' {
    if (cell.mailbox.closed) return 'closed';
    if (cell.mailbox.size + cell.reserved >= cell.mailbox.capacity) return 'full';
    cell.reserved++;
    this.h.queued++;
    if (reply !== undefined) this.h.runQueueReplies.set(env, reply);
    rq.push(env, env.priority ?? 0);
    if (this.h.pumpState === PUMP_IDLE) {
      this.h.pumpState = PUMP_QUEUED;
      queueMicrotask(this.pump);
    }
    return 'accepted';
  }

  /** Moves up to `max` envelopes from the run queue into their actors' mailboxes, in the queue's order. */
  admit(rq: RunQueue<Envelope>, max: number): void {
    for (let i = 0; i < max; i++) {
      const env = rq.pop();
      if (env === undefined) return;
      const own = this.h.runQueueReplies.size === 0 ? undefined : this.h.runQueueReplies.get(env);
      if (own !== undefined) this.h.runQueueReplies.delete(env);
      const reply = own ?? this.h.onDone;
      let cell = this.h.cellOf(env);
      if (cell !== undefined && cell.reserved > 0) cell.reserved--;
      if (cell === undefined || cell.status === 'dead') {
        // Its actor was removed while the envelope waited: activate it afresh (or refuse, like deliver).
        const target = this.h.resolveTarget(env.to.actor);
        if (!(target instanceof ActorCell)) {
          this.h.queued--;
          this.h.refuse(env, reply, target);
          continue;
        }
        cell = target;
      }
      const result = cell.mailbox.offer(own === undefined ? env : new QueuedAsk(env, own));
      if (result !== 'accepted') {
        this.h.queued--;
        this.h.lose(env, reply, new ShnError('MAILBOX_FULL', `mailbox of ${cell.name} filled while ${env.type} waited in the run queue`, { details: { actor: cell.name, capacity: cell.mailbox.capacity } }));
        continue;
      }
      if (!cell.scheduled) this.schedule(cell);
    }
  }

  /** The run queue discarded `env` (RunQueueContext.dropped). */
  dropped(env: Envelope, error: ShnError): void {
    const own = this.h.runQueueReplies.get(env);
    if (own !== undefined) this.h.runQueueReplies.delete(env);
    const reply = own ?? this.h.onDone;
    const cell = this.h.cellOf(env);
    if (cell !== undefined && cell.reserved > 0) cell.reserved--;
    this.h.queued--;
    this.h.lose(env, reply, error instanceof ShnError ? error : new ShnError('MESSAGE_LOST', `the run queue dropped ${env.type} to ${env.to.actor}`), true);
    if (this.h.drainWaiter !== undefined) this.h.drain.checkDrained();
  }

  /**
   * {@link deliver}, then runs ready actors right away instead of in a later microtask, so a
   * synchronous `receive` has finished when this returns. The shard loop uses it to hand over one
   * frame at a time without an `await` per frame. Same results and reply rules as `deliver`
   * (`reply` is still never called synchronously from inside the `deliver` step itself).
   */
  deliverNow(env: Envelope, reply?: ReplyFn): 'accepted' | 'full' | 'closed' {
    // With a run queue, envelopes accumulate so the queue can order them; the pump runs next microtask.
    if (this.h.pumpState === PUMP_RUNNING || this.h.runQueue !== undefined) return this.deliver(env, reply);
    this.h.driving = true;
    let result: 'accepted' | 'full' | 'closed';
    try {
      result = this.deliver(env, reply);
    } finally {
      this.h.driving = false;
    }
    if (this.h.readyHead !== undefined) this.pump();
    return result;
  }

  // ---------------------------------------------------------------- scheduling

  schedule(cell: ActorCell): void {
    if (cell.scheduled || cell.busy || cell.status !== 'live' || this.h.final) return;
    if (!cell.needsStart && cell.mailbox.size === 0) return;
    cell.scheduled = true;
    cell.nextReady = undefined;
    if (this.h.readyTail === undefined) this.h.readyHead = cell;
    else this.h.readyTail.nextReady = cell;
    this.h.readyTail = cell;
    if (this.h.pumpState === PUMP_IDLE && !this.h.driving) {
      this.h.pumpState = PUMP_QUEUED;
      queueMicrotask(this.pump);
    }
  }

  readonly pump = (): void => {
    this.h.pumpState = PUMP_RUNNING;
    // Inside a turn the caller times the whole turn: no clock read per pump.
    const timed = this.h.turnDepth === 0;
    const t0 = timed ? this.h.clock.monotonic() : this.h.turnStart;
    try {
      let budget = this.h.turnBudget;
      let cell: ActorCell | undefined;
      if (this.h.runQueue !== undefined) this.admit(this.h.runQueue, budget);
      while (budget > 0 && (cell = this.h.readyHead) !== undefined) {
        this.h.readyHead = cell.nextReady;
        if (this.h.readyHead === undefined) this.h.readyTail = undefined;
        cell.nextReady = undefined;
        cell.scheduled = false;
        budget -= this.runBatch(cell, budget < this.h.batchSize ? budget : this.h.batchSize, t0);
        this.schedule(cell);
      }
    } finally {
      if (timed) this.h.busyMs += this.h.clock.monotonic() - t0;
      if ((this.h.readyHead !== undefined || (this.h.runQueue !== undefined && this.h.runQueue.size > 0)) && !this.h.final) {
        this.h.pumpState = PUMP_QUEUED;
        this.h.yieldTurn(this.pump);
      } else {
        this.h.pumpState = PUMP_IDLE;
      }
      if (this.h.drainWaiter !== undefined) this.h.drain.checkDrained();
    }
  };

  runBatch(cell: ActorCell, max: number, now: number): number {
    if (cell.status !== 'live' || cell.busy) return 0;
    let n = 0;
    if (cell.needsStart) {
      n = 1;
      this.runStart(cell);
    }
    while (n < max && cell.status === 'live' && !cell.busy && !cell.needsStart) {
      const item = cell.mailbox.poll();
      if (item === undefined) break;
      this.h.queued--;
      n++;
      this.handle(cell, item);
    }
    cell.lastActive = now;
    const idleMs = cell.kind.idleTimeoutMs;
    if (idleMs !== undefined && cell.idleTimer === undefined && cell.parent === undefined && cell.kind.mode === 'per-id') {
      this.h.passivation.armIdle(cell, idleMs);
    }
    return n;
  }

  runStart(cell: ActorCell): void {
    cell.needsStart = false;
    cell.running = true;
    cell.inStart = true;
    let result: unknown;
    try {
      const behavior = cell.kind.factory(cell.id);
      if (typeof behavior !== 'object' || behavior === null || typeof behavior.receive !== 'function') {
        throw new ShnError('INVALID_ARGUMENT', `factory of kind ${cell.kind.name} returned no behaviour with receive()`);
      }
      cell.behavior = behavior;
      const cp = this.h.checkpoints;
      result = cp !== undefined && typeof behavior.restore === 'function' ? this.h.checkpointing.restoreThenStart(cell, cp) : behavior.start?.(cell.ctx);
    } catch (e) {
      cell.running = false;
      cell.inStart = false;
      this.h.supervisor.crashed(cell, this.h.supervisor.failure(cell, e, 'start'));
      return;
    }
    cell.running = false;
    if (isThenable(result)) {
      cell.busy = true;
      this.h.inflight++;
      result.then(cell.onResolved, cell.onRejected);
      return;
    }
    cell.inStart = false;
    if (cell.stopRequested) void this.h.passivation.gracefulStop(cell, 'supervise');
  }

  handle(cell: ActorCell, item: MailboxItem): void {
    let env: Envelope;
    let reply: ReplyFn | undefined;
    if (item instanceof QueuedAsk) {
      env = item.env;
      reply = item.reply;
    } else {
      env = item;
      reply = this.h.onDone;
    }
    const deadline = env.deadline;
    if (deadline !== undefined && this.h.clock.now() > deadline) {
      this.h.lose(
        env,
        reply,
        new ShnError('DEADLINE_EXCEEDED', `deadline of ${env.type} to ${cell.name} passed before it ran`, {
          details: { actor: cell.name, deadline },
        }),
      );
      return;
    }
    const incarnation = cell.incarnation;
    cell.currentEnv = env;
    cell.currentReply = reply;
    cell.running = true;
    let result: unknown;
    cell.entered = false;
    try {
      result = cell.invoke(env);
    } catch (e) {
      cell.running = false;
      cell.currentEnv = undefined;
      cell.currentReply = undefined;
      if (!cell.entered && isShnError(e)) {
        // A receive middleware refused the message (authorization, admission, …) before the
        // actor ran: the asker gets that error as it is, and the actor is not restarted.
        this.h.processed++;
        if (reply !== undefined) this.h.reply(reply, e, undefined, env);
        if (cell.stopRequested) void this.h.passivation.gracefulStop(cell, 'supervise');
        return;
      }
      if (incarnation === cell.incarnation) this.h.supervisor.receiveFailed(cell, env, reply, e);
      return;
    }
    cell.running = false;
    if (incarnation !== cell.incarnation) return; // restarted while running; the reply was already given
    if (isThenable(result)) {
      cell.busy = true;
      this.h.inflight++;
      result.then(cell.onResolved, cell.onRejected);
      return;
    }
    cell.currentEnv = undefined;
    cell.currentReply = undefined;
    this.h.processed++;
    if (this.h.checkpoints !== undefined) this.h.checkpointing.afterHandled(cell, this.h.checkpoints);
    if (reply !== undefined) this.h.reply(reply, undefined, result, env);
    if (cell.stopRequested) void this.h.passivation.gracefulStop(cell, 'supervise');
  }

  settled(cell: ActorCell, incarnation: number, failed: boolean, value: unknown): void {
    if (incarnation !== cell.incarnation || !cell.busy) return; // an abandoned instance
    cell.busy = false;
    this.h.inflight--;
    if (cell.idleTimer !== undefined) cell.lastActive = this.h.clock.monotonic();
    if (cell.inStart) {
      cell.inStart = false;
      if (failed) this.h.supervisor.crashed(cell, this.h.supervisor.failure(cell, value, 'start'));
      else if (cell.stopRequested) void this.h.passivation.gracefulStop(cell, 'supervise');
    } else {
      const env = cell.currentEnv as Envelope;
      const reply = cell.currentReply;
      cell.currentEnv = undefined;
      cell.currentReply = undefined;
      if (failed) {
        this.h.supervisor.receiveFailed(cell, env, reply, value);
      } else {
        this.h.processed++;
        if (this.h.checkpoints !== undefined) this.h.checkpointing.afterHandled(cell, this.h.checkpoints);
        if (reply !== undefined) this.h.reply(reply, undefined, value, env);
        if (cell.stopRequested) void this.h.passivation.gracefulStop(cell, 'supervise');
      }
    }
    this.h.passivation.wakeIdleWaiters(cell);
    this.schedule(cell);
    if (this.h.drainWaiter !== undefined) this.h.drain.checkDrained();
  }
}

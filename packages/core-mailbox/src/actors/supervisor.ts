import { RestartWindow, ShnError } from '@shn/core';
import type { Envelope } from '@shn/core';
import type { ActorCell } from './actor-cell.js';
import type { ResolvedActorKind } from './actor-kind.js';
import { QueuedAsk } from './queued-ask.js';
import type { ReplyFn } from './queued-ask.js';
import { restartGroup, shouldRestart } from './supervision-plan.js';
import type { ExitReason } from './supervision-plan.js';
import { MAX_TOMBSTONES, errorText } from './host-state.js';
import type { HostState, SupervisorPart } from './host-state.js';

/**
 * OTP/Akka-style supervision: what happens when an actor crashes or ends — restart it (and, per
 * its parent's strategy, its siblings) within the restart intensity, remove it, or escalate; at
 * the shard guardian an escalated actor is removed for good.
 */
export class Supervisor implements SupervisorPart {
  constructor(readonly h: HostState) {}

  // ---------------------------------------------------------------- failure and supervision

  failure(cell: ActorCell, e: unknown, during: string): ShnError {
    return new ShnError('ACTOR_FAILED', errorText(e), { cause: e, details: { actor: cell.name, during } });
  }

  receiveFailed(cell: ActorCell, env: Envelope, reply: ReplyFn | undefined, e: unknown): void {
    this.h.processed++;
    const error = this.failure(cell, e, env.type);
    if (reply !== undefined) this.h.reply(reply, error, undefined, env);
    this.crashed(cell, error);
  }

  /** The current instance of `cell` crashed; let its supervisor decide. */
  crashed(cell: ActorCell, error: ShnError): void {
    if (this.h.final) return;
    if (cell.status !== 'live') {
      cell.behavior = undefined; // failed while stopping: its stop continues, without a stop hook
      return;
    }
    this.h.log.warn('actor crashed', { actor: cell.name, error: error.message });
    this.exited(cell, 'crash', error);
  }

  /**
   * The supervisor's decision after `cell` ended for `reason` (its instance is dead or stopped):
   * restart it (and, per the parent's strategy, its siblings), remove it for good, or escalate.
   */
  exited(cell: ActorCell, reason: ExitReason, error: ShnError | undefined): void {
    const parent = cell.parent;
    if (!shouldRestart(cell.kind.restart, reason) || (parent !== undefined && parent.status !== 'live')) {
      this.remove(cell, reason, error);
      return;
    }
    const intensity = parent === undefined ? cell.kind.intensity : parent.kind.intensity;
    const window = parent === undefined ? this.guardianWindow(cell.kind) : (parent.childWindow ??= new RestartWindow(intensity));
    if (!window.record(this.h.clock.monotonic())) {
      const supervisor = parent === undefined ? `guardian of shard ${this.h.shard}` : parent.name;
      const escalation = new ShnError(
        'RUNTIME_FAILED',
        `${supervisor}: more than ${intensity.maxRestarts} restarts in ${intensity.periodMs} ms; last: ${cell.name} (${error?.message ?? 'stopped'})`,
        { cause: error, details: { actor: cell.name } },
      );
      if (parent !== undefined) {
        this.crashed(parent, escalation);
        return;
      }
      this.remove(cell, 'crash', error ?? escalation);
      this.tombstone(cell.name, escalation);
      this.h.log.error('restart intensity exceeded, escalating', { actor: cell.name, error: escalation.message });
      if (this.h.onEscalate !== undefined) {
        try {
          this.h.onEscalate(cell.name, escalation);
        } catch (e) {
          this.h.log.error('onEscalate threw', { error: errorText(e) });
        }
      }
      return;
    }
    const why = error ?? new ShnError('ACTOR_FAILED', `${cell.name} stopped normally`);
    const group = parent === undefined ? [cell] : restartGroup(parent.kind.strategy, parent.children, parent.children.indexOf(cell));
    for (let i = group.length - 1; i >= 0; i--) {
      const s = group[i] as ActorCell;
      if (s === cell || s.status === 'live') this.terminateInstance(s, why);
    }
    for (const s of group) {
      if (s === cell) this.restartInstance(s, why.message);
      else if (s.status !== 'live') continue;
      else if (s.kind.restart === 'temporary') this.remove(s, 'crash', why);
      else this.restartInstance(s, `sibling ${cell.name} failed: ${why.message}`);
    }
  }

  /** Remembers `name` as removed for good (bounded: the oldest of {@link MAX_TOMBSTONES} is forgotten). */
  tombstone(name: string, why: ShnError): void {
    this.h.tombstones.delete(name);
    this.h.tombstones.set(name, why);
    if (this.h.tombstones.size > MAX_TOMBSTONES) {
      const oldest = this.h.tombstones.keys().next().value as string;
      this.h.tombstones.delete(oldest);
    }
  }

  guardianWindow(kind: ResolvedActorKind): RestartWindow {
    let window = this.h.guardianWindows.get(kind.name);
    if (window === undefined) {
      window = new RestartWindow(kind.intensity);
      this.h.guardianWindows.set(kind.name, window);
    }
    return window;
  }

  /**
   * Kills the current instance without stop hooks: its children are removed for good, an
   * in-flight message is answered with ACTOR_FAILED, and late settlements are ignored.
   */
  terminateInstance(cell: ActorCell, why: ShnError): void {
    const children = cell.children.splice(0);
    cell.childWindow = undefined; // a fresh supervisor instance starts with a fresh restart budget
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i] as ActorCell;
      if (child.status !== 'dead') this.remove(child, 'crash', why);
    }
    if (cell.busy) {
      cell.busy = false;
      this.h.inflight--;
    }
    const reply = cell.currentReply;
    const current = cell.currentEnv;
    cell.currentEnv = undefined;
    cell.currentReply = undefined;
    cell.inStart = false;
    if (reply !== undefined && current !== undefined) {
      this.h.reply(
        reply,
        new ShnError('ACTOR_FAILED', `${cell.name} was terminated while handling the message: ${why.message}`, { cause: why }),
        undefined,
        current,
      );
    }
    cell.behavior = undefined;
    cell.stopRequested = false;
    cell.incarnation++;
    this.h.bindHandlers(cell);
    this.h.passivation.wakeIdleWaiters(cell);
  }

  restartInstance(cell: ActorCell, reason: string): void {
    cell.status = 'live';
    cell.needsStart = true;
    this.h.emit({ type: 'actor-restarted', shard: this.h.shard, at: this.h.clock.now(), actor: cell.name, error: reason });
    this.h.turns.schedule(cell);
  }

  /**
   * Removes `cell` for good: terminates its instance and children, rejects its queued messages
   * (asks with ACTOR_FAILED, tells as 'message-lost') and emits 'actor-stopped'. A top-level actor
   * that stopped normally with messages still queued is instead activated afresh for them
   * (virtual-actor semantics), so passivation never loses messages.
   */
  remove(cell: ActorCell, reason: ExitReason, why: ShnError | undefined): void {
    const cause = why ?? new ShnError('ACTOR_FAILED', `${cell.name} stopped`);
    this.terminateInstance(cell, cause);
    this.h.passivation.clearIdle(cell);
    this.h.emit({ type: 'actor-stopped', shard: this.h.shard, at: this.h.clock.now(), actor: cell.name });
    if (reason === 'normal' && cell.parent === undefined && cell.mailbox.size > 0 && !this.h.final) {
      cell.status = 'live';
      cell.needsStart = true;
      this.h.turns.schedule(cell);
      return;
    }
    cell.status = 'dead';
    if (this.h.cells.get(cell.name) === cell) this.h.cells.delete(cell.name);
    const siblings = cell.parent?.children;
    if (siblings !== undefined) {
      const i = siblings.indexOf(cell);
      if (i >= 0) siblings.splice(i, 1);
    }
    for (let item = cell.mailbox.poll(); item !== undefined; item = cell.mailbox.poll()) {
      this.h.queued--;
      const env = item instanceof QueuedAsk ? item.env : item;
      const reply = item instanceof QueuedAsk ? item.reply : this.h.onDone;
      this.h.lose(env, reply, new ShnError('ACTOR_FAILED', `${cell.name} stopped before handling ${env.type}: ${cause.message}`, { cause }));
    }
  }
}

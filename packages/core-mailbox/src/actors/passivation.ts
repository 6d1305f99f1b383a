import type { ActorCell } from './actor-cell.js';
import { errorText } from './host-state.js';
import type { HostState, PassivationPart } from './host-state.js';

/** Graceful stops (ctx.stop, passivation, children of a stopping parent) and idle timers. */
export class Passivation implements PassivationPart {
  constructor(readonly h: HostState) {}

  // ---------------------------------------------------------------- graceful stop and passivation

  /**
   * Stops `cell` gracefully: waits for its current message, stops its children (reverse start
   * order, for good), runs its stop hook, then lets its supervisor decide ('supervise') or removes
   * it ('remove': passivation and children of a stopping parent).
   */
  async gracefulStop(cell: ActorCell, after: 'supervise' | 'remove'): Promise<void> {
    if (cell.status !== 'live') return;
    cell.status = 'stopping';
    cell.stopRequested = false;
    this.clearIdle(cell);
    this.h.stopping++;
    try {
      if (cell.busy) await new Promise<void>((resolve) => (cell.idleWaiters ??= []).push(resolve));
      const children = cell.children.slice();
      for (let i = children.length - 1; i >= 0; i--) await this.gracefulStop(children[i] as ActorCell, 'remove');
      const cp = this.h.checkpoints;
      if (cp !== undefined && cell.sinceSave > 0 && cell.behavior !== undefined && !cell.needsStart) this.h.checkpointing.snapshotNow(cell, cp, cell.behavior);
      await this.runStopHook(cell);
    } finally {
      this.h.stopping--;
    }
    if (cell.status === 'stopping' && !this.h.final) {
      if (after === 'supervise') this.h.supervisor.exited(cell, 'normal', undefined);
      else this.h.supervisor.remove(cell, 'normal', undefined);
    }
    if (this.h.drainWaiter !== undefined) this.h.drain.checkDrained();
  }

  async runStopHook(cell: ActorCell): Promise<void> {
    const behavior = cell.behavior;
    if (behavior?.stop === undefined || cell.needsStart) return;
    try {
      await behavior.stop(cell.ctx);
    } catch (e) {
      this.h.log.warn('actor stop hook failed', { actor: cell.name, error: errorText(e) });
    }
  }

  wakeIdleWaiters(cell: ActorCell): void {
    const waiters = cell.idleWaiters;
    if (waiters === undefined) return;
    cell.idleWaiters = undefined;
    for (const wake of waiters) wake();
  }

  armIdle(cell: ActorCell, ms: number): void {
    const handle = this.h.timer.setTimeout(() => this.idleCheck(cell), ms);
    handle.unref?.();
    cell.idleTimer = handle;
  }

  clearIdle(cell: ActorCell): void {
    if (cell.idleTimer === undefined) return;
    this.h.timer.clearTimeout(cell.idleTimer);
    cell.idleTimer = undefined;
  }

  idleCheck(cell: ActorCell): void {
    cell.idleTimer = undefined;
    if (cell.status !== 'live' || this.h.closed) return;
    const timeout = cell.kind.idleTimeoutMs as number;
    if (!cell.idle || cell.scheduled || cell.running) {
      this.armIdle(cell, timeout);
      return;
    }
    const idleFor = this.h.clock.monotonic() - cell.lastActive;
    if (idleFor < timeout) {
      this.armIdle(cell, timeout - idleFor);
      return;
    }
    void this.gracefulStop(cell, 'remove');
  }
}

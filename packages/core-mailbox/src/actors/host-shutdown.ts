import { ShnError } from '@shn/core';
import type { Envelope, Timer } from '@shn/core';
import type { ActorCell } from './actor-cell.js';
import { QueuedAsk } from './queued-ask.js';
import type { HostState, DrainPart } from './host-state.js';

/** A host's graceful shutdown: drain (bounded), reject leftovers, stop hooks children-before-parents. */
export class HostShutdown implements DrainPart {
  constructor(readonly h: HostState) {}

  // ---------------------------------------------------------------- shutdown

  checkDrained(): void {
    const waiter = this.h.drainWaiter;
    if (waiter === undefined) return;
    if (this.h.queued === 0 && this.h.inflight === 0 && this.h.stopping === 0 && this.h.readyHead === undefined) {
      this.h.drainWaiter = undefined;
      waiter();
    }
  }

  async runShutdown(timeoutMs: number): Promise<void> {
    this.h.closed = true;
    for (const cell of this.h.cells.values()) this.h.passivation.clearIdle(cell);
    let handle: ReturnType<Timer['setTimeout']> | undefined;
    await new Promise<void>((resolve) => {
      this.h.drainWaiter = resolve;
      this.checkDrained();
      if (this.h.drainWaiter !== undefined) handle = this.h.timer.setTimeout(resolve, timeoutMs);
    });
    this.h.drainWaiter = undefined;
    if (handle !== undefined) this.h.timer.clearTimeout(handle);
    this.h.final = true;

    // Leftovers past the timeout: in-flight and queued messages are rejected and reported.
    for (let c = this.h.readyHead; c !== undefined; c = c.nextReady) c.scheduled = false;
    this.h.readyHead = undefined;
    this.h.readyTail = undefined;
    const closed = (env: Envelope): ShnError =>
      new ShnError('RUNTIME_CLOSED', `shard ${this.h.shard} shut down before ${env.type} to ${env.to.actor} ran`);
    const rq = this.h.runQueue;
    if (rq !== undefined) {
      for (let env = rq.pop(); env !== undefined; env = rq.pop()) {
        this.h.queued--;
        const reply = this.h.runQueueReplies.get(env) ?? this.h.onDone;
        this.h.runQueueReplies.delete(env);
        this.h.lose(env, reply, closed(env), true);
      }
    }
    for (const cell of this.h.cells.values()) {
      if (cell.busy || cell.running) {
        const env = cell.currentEnv;
        const reply = cell.currentReply;
        if (cell.inStart) cell.behavior = undefined; // never finished starting: no stop hook
        if (cell.busy) this.h.inflight--;
        cell.busy = false;
        cell.inStart = false;
        cell.currentEnv = undefined;
        cell.currentReply = undefined;
        cell.incarnation++;
        this.h.bindHandlers(cell);
        this.h.passivation.wakeIdleWaiters(cell);
        if (env !== undefined) this.h.lose(env, reply, closed(env), true);
      }
      for (let item = cell.mailbox.poll(); item !== undefined; item = cell.mailbox.poll()) {
        this.h.queued--;
        const env = item instanceof QueuedAsk ? item.env : item;
        this.h.lose(env, item instanceof QueuedAsk ? item.reply : this.h.onDone, closed(env), true);
      }
    }

    // Stop hooks, children before parents.
    const roots = [...this.h.cells.values()].filter((c) => c.parent === undefined);
    for (const root of roots) await this.finalStop(root);
    this.h.cells.clear();
  }

  async finalStop(cell: ActorCell): Promise<void> {
    const children = cell.children.slice();
    for (let i = children.length - 1; i >= 0; i--) await this.finalStop(children[i] as ActorCell);
    if (cell.status === 'dead') return;
    const wasLive = cell.status === 'live';
    cell.status = 'dead';
    if (!wasLive) return; // a graceful stop already ran (or is running) its hook
    await this.h.passivation.runStopHook(cell);
    cell.behavior = undefined;
    this.h.emit({ type: 'actor-stopped', shard: this.h.shard, at: this.h.clock.now(), actor: cell.name });
  }
}

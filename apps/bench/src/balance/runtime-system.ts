/**
 * The system module of the balance bench's real-runtime part, loaded by every shard thread and
 * by the main thread (it starts nothing at import time). Two per-shard kinds:
 *
 * - `svc`: answers an ask `work` (body: service time, ms) after busy-spinning the shard's CPU
 *   for that long, so a shard is a FIFO server of real CPU work; `now` answers this thread's
 *   absolute clock (for the dispatcher's clock-offset estimate).
 * - `worker`: owns a {@link WorkStealingQueue} of tasks (stateless, or owned by this shard's
 *   actor) and runs one task per event-loop turn, reading its rings in between, so new tasks
 *   and steal requests are handled between tasks. When idle and `steal` is on, it asks the
 *   other shards for half of their stealable queue; requests and replies are ordinary messages
 *   over the rings.
 */
import { ShnError, defineSystem } from '@shn/core';
import type { ActorBehavior, ActorRef } from '@shn/core';
import { WorkStealingQueue, jumpHashBalancer } from '@shn/scheduler';
import type { StealCounters, StealReply, StealRequest } from '@shn/scheduler';

/** A task of the stealing workload: stateless (`owner` -1) or bound to the actor on shard `owner`. */
export interface BenchTask {
  readonly id: number;
  /** Service time, ms of busy CPU. */
  readonly ms: number;
  readonly owner: number;
}

/** One page of a worker's run log (`log` ask, body `{ from }`): parallel arrays. */
export interface RunLogPage {
  readonly shard: number;
  readonly ids: number[];
  readonly owners: number[];
  /** Completion times, this thread's absolute clock (ms, `performance.timeOrigin + now()`). */
  readonly doneAt: number[];
  /** Entries in the whole log. */
  readonly total: number;
}

/** The `stats` answer of a worker. */
export interface WorkerStats {
  readonly shard: number;
  readonly ran: number;
  readonly queued: number;
  readonly busy: boolean;
  readonly counters: StealCounters;
}

/** Log entries per `log` page (keeps a page far below the ring's largest message). */
export const LOG_PAGE = 2000;

/**
 * An id of `kind` that the default router (jump hash, the runtime's own) places on `shard` of
 * `shards`, so an actor's `ctx.ref(kind, id)` reaches that shard's per-shard instance.
 */
export function idOnShard(kind: string, shard: number, shards: number): string {
  const router = jumpHashBalancer();
  const candidates = Array.from({ length: shards }, (_, s) => ({ shard: s, load: 0 }));
  for (let i = 0; ; i++) if (router.pick(`${kind}/w${i}`, candidates) === shard) return `w${i}`;
}

/** This thread's absolute clock, ms with sub-ms resolution. */
export const absoluteNow = (): number => performance.timeOrigin + performance.now();

/** Busy-spins the calling thread for `ms` milliseconds of wall time. */
export function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // real CPU work: the shard thread does nothing else meanwhile
  }
}

function svc(): ActorBehavior {
  return {
    receive(env) {
      if (env.type === 'work') {
        spin(env.body as number);
        return 1;
      }
      if (env.type === 'now') return absoluteNow();
      throw new ShnError('INVALID_ARGUMENT', `svc: unknown message type ${env.type}`);
    },
  };
}

function worker(shards: number, steal: boolean): ActorBehavior {
  let q: WorkStealingQueue<BenchTask> | undefined;
  let me = -1;
  let self: ActorRef | undefined;
  const refs: ActorRef[] = [];
  let turnArmed = false;
  let pollArmed = false;
  let busy = false;
  const ids: number[] = [];
  const owners: number[] = [];
  const doneAt: number[] = [];
  let timerOf: ((fn: () => void, ms: number) => void) | undefined;

  // The next task runs in a later event-loop turn (setImmediate), after the shard loop has read
  // its rings: a tell to self would run at once, back to back, without reading them.
  const armTurn = (): void => {
    if (turnArmed) return;
    turnArmed = true;
    setImmediate(() => {
      turnArmed = false;
      (self as ActorRef).tell('run');
    });
  };
  const armPoll = (): void => {
    if (pollArmed) return;
    pollArmed = true;
    (timerOf as (fn: () => void, ms: number) => void)(() => {
      pollArmed = false;
      armTurn();
    }, 1);
  };
  const run = (): void => {
    const queue = q as WorkStealingQueue<BenchTask>;
    const task = queue.pop();
    if (task !== undefined) {
      busy = true;
      spin(task.ms);
      busy = false;
      ids.push(task.id);
      owners.push(task.owner);
      doneAt.push(absoluteNow());
      if (queue.size > 0 || steal) armTurn();
      return;
    }
    if (!steal) return;
    const req = queue.requestSteal();
    if (req !== undefined) (refs[req.victim] as ActorRef).tell('steal-request', req);
    else if (!queue.awaitingReply) armPoll();
  };
  return {
    start(ctx) {
      me = ctx.self.shard;
      for (let s = 0; s < shards; s++) refs.push(ctx.ref('worker', idOnShard('worker', s, shards)));
      self = refs[me];
      timerOf = (fn, ms) => void ctx.timer.setTimeout(fn, ms);
      q = new WorkStealingQueue<BenchTask>({ shard: me, shards, isStealable: (t) => t.owner < 0, clock: ctx.clock, rng: ctx.rng, backoffMs: 0.5, maxBackoffMs: 4 });
    },
    receive(env) {
      const queue = q as WorkStealingQueue<BenchTask>;
      switch (env.type) {
        case 'task': {
          const task = env.body as BenchTask;
          if (task.owner >= 0 && task.owner !== me) throw new ShnError('INVALID_ARGUMENT', `task ${task.id} is owned by shard ${task.owner}, sent to ${me}`);
          queue.push(task);
          armTurn();
          return undefined;
        }
        case 'run':
          run();
          return undefined;
        case 'steal-request': {
          const req = env.body as StealRequest;
          (refs[req.thief] as ActorRef).tell('steal-reply', queue.handleRequest(req));
          return undefined;
        }
        case 'steal-reply':
          queue.handleReply(env.body as StealReply<BenchTask>);
          armTurn();
          return undefined;
        case 'wake':
          armTurn();
          return undefined;
        case 'stats':
          return { shard: me, ran: ids.length, queued: queue.size, busy, counters: queue.counters } satisfies WorkerStats;
        case 'log': {
          const from = (env.body as { from: number }).from;
          const to = Math.min(ids.length, from + LOG_PAGE);
          return { shard: me, ids: ids.slice(from, to), owners: owners.slice(from, to), doneAt: doneAt.slice(from, to), total: ids.length } satisfies RunLogPage;
        }
        case 'now':
          return absoluteNow();
        default:
          throw new ShnError('INVALID_ARGUMENT', `worker: unknown message type ${env.type}`);
      }
    },
  };
}

export default defineSystem((params: { shards: number; steal: boolean }) => ({
  kinds: {
    svc: { mode: 'per-shard' as const, factory: svc },
    worker: { mode: 'per-shard' as const, factory: () => worker(params.shards, params.steal) },
  },
}));

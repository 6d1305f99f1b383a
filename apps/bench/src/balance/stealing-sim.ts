import { ShnError, seededRng } from '@shn/core';
import { WorkStealingQueue } from '@shn/scheduler';
import type { StealReply, StealRequest } from '@shn/scheduler';
import { EventQueue } from './event-queue.js';
import { drawMs, expGap, meanMs, summarizeLatencies } from './service-times.js';
import type { ServiceMix, SimSummary } from './service-times.js';

/** One work-stealing scenario. */
export interface StealingScenario {
  readonly shards: number;
  readonly tasks: number;
  /** Offered load as a fraction of the total capacity. */
  readonly load: number;
  /** Share of arrivals that land on shard 0 (the rest spread evenly): the skew. */
  readonly hotShare: number;
  /** Share of tasks that are stateless (stealable); the rest belong to an actor on their shard. */
  readonly stateless: number;
  readonly mix: ServiceMix;
  /** One-way delay of a steal request or reply between shards, ms (a ring hop). */
  readonly messageMs: number;
  /** An idle shard that could not ask (backing off, nobody busy) looks again after this, ms. */
  readonly idlePollMs: number;
  readonly steal: boolean;
  readonly seed: number;
}

interface Task {
  readonly id: number;
  readonly arrival: number;
  readonly service: number;
  /** The shard whose actor owns it, or -1 for stateless work. */
  readonly owner: number;
}

type Ev =
  | { readonly kind: 'arrive'; readonly shard: number; readonly task: Task }
  | { readonly kind: 'done'; readonly shard: number; readonly task: Task }
  | { readonly kind: 'request'; readonly msg: StealRequest }
  | { readonly kind: 'reply'; readonly msg: StealReply<Task> }
  | { readonly kind: 'poll'; readonly shard: number };

/**
 * A discrete-event simulation of shards running tasks from their own {@link WorkStealingQueue}
 * (the real component from @shn/scheduler), with steal requests and replies as messages that
 * take `messageMs` each way. A victim answers a request only between tasks (as a shard handles
 * a ring message after its current turn). Owned tasks are checked to run on their own shard.
 * Returns latency (arrival to completion) percentiles, throughput and stealing counters.
 */
export function simulateStealing(s: StealingScenario): SimSummary & { readonly stolen: number; readonly requests: number } {
  const rng = seededRng(s.seed);
  const sizes = seededRng(s.seed ^ 0x5eed);
  const clockNow = { t: 0 };
  const clock = { now: () => clockNow.t, monotonic: () => clockNow.t };
  const queues = Array.from(
    { length: s.shards },
    (_, shard) => new WorkStealingQueue<Task>({ shard, shards: s.shards, isStealable: (t) => t.owner < 0, clock, rng: seededRng(s.seed + shard), backoffMs: s.idlePollMs, maxBackoffMs: 1 }),
  );
  const busy = new Array<boolean>(s.shards).fill(false);
  const inbox: StealRequest[][] = Array.from({ length: s.shards }, () => []);
  const pollArmed = new Array<boolean>(s.shards).fill(false);
  const events = new EventQueue<Ev>();
  const latencies = new Float64Array(s.tasks);
  let completed = 0;
  let last = 0;
  // Arrivals.
  const rate = (s.load * s.shards) / meanMs(s.mix);
  let t = 0;
  for (let id = 0; id < s.tasks; id++) {
    t += expGap(rate, rng);
    const shard = rng.next() < s.hotShare ? 0 : rng.int(s.shards);
    const owner = rng.next() < s.stateless ? -1 : shard;
    events.push(t, { kind: 'arrive', shard, task: { id, arrival: t, service: drawMs(s.mix, sizes), owner } });
  }
  const loads = () => queues.map((q, k) => q.size + (busy[k] ? 1 : 0));
  const schedule = (shard: number, now: number) => {
    if (busy[shard]) return;
    // Between tasks: answer steal requests first.
    for (const req of (inbox[shard] as StealRequest[]).splice(0)) {
      events.push(now + s.messageMs, { kind: 'reply', msg: (queues[shard] as WorkStealingQueue<Task>).handleRequest(req) });
    }
    const q = queues[shard] as WorkStealingQueue<Task>;
    const task = q.pop();
    if (task !== undefined) {
      if (task.owner >= 0 && task.owner !== shard) throw new ShnError('INTERNAL', `owned task ${task.id} of shard ${task.owner} ran on shard ${shard}`);
      busy[shard] = true;
      events.push(now + task.service, { kind: 'done', shard, task });
      return;
    }
    if (!s.steal || completed === s.tasks) return;
    const req = q.requestSteal(loads());
    if (req !== undefined) events.push(now + s.messageMs, { kind: 'request', msg: req });
    else if (!q.awaitingReply && !pollArmed[shard]) {
      pollArmed[shard] = true;
      events.push(now + s.idlePollMs, { kind: 'poll', shard });
    }
  };
  for (let e = events.pop(); e !== undefined; e = events.pop()) {
    clockNow.t = e.at;
    const ev = e.event;
    switch (ev.kind) {
      case 'arrive':
        (queues[ev.shard] as WorkStealingQueue<Task>).push(ev.task);
        schedule(ev.shard, e.at);
        break;
      case 'done':
        busy[ev.shard] = false;
        latencies[completed++] = e.at - ev.task.arrival;
        last = e.at;
        schedule(ev.shard, e.at);
        break;
      case 'request':
        (inbox[ev.msg.victim] as StealRequest[]).push(ev.msg);
        schedule(ev.msg.victim, e.at);
        break;
      case 'reply':
        (queues[ev.msg.thief] as WorkStealingQueue<Task>).handleReply(ev.msg);
        schedule(ev.msg.thief, e.at);
        break;
      case 'poll':
        pollArmed[ev.shard] = false;
        schedule(ev.shard, e.at);
        break;
    }
  }
  if (completed !== s.tasks) throw new ShnError('INTERNAL', `stealing sim lost tasks: ${completed} of ${s.tasks} completed`);
  return {
    ...summarizeLatencies(latencies, last),
    stolen: queues.reduce((a, q) => a + q.counters.stolen, 0),
    requests: queues.reduce((a, q) => a + q.counters.requests, 0),
  };
}

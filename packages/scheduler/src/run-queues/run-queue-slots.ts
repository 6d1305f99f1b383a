import { FifoRunQueue, HEADERS } from '@shn/core';
import type { Envelope, RunQueueFactory } from '@shn/core';
import { invalid } from '../option-checks.js';
import { EdfRunQueue } from './edf-run-queue.js';
import { MlfqRunQueue } from './mlfq-run-queue.js';
import { PriorityRunQueue } from './priority-run-queue.js';
import type { PriorityRunQueueOptions } from './priority-run-queue.js';
import { WfqRunQueue } from './wfq-run-queue.js';

/**
 * Factories for the `runQueue` slot of a system definition (`defineSystem({ runQueue: ... })`).
 * Each validates its options when called (so a bad option fails when the system module is
 * defined, not in a shard) and builds one queue per shard with that shard's clock.
 */

/** The kind part of an envelope's `to.actor` (`kind/id`). */
function kindOf(env: Envelope): string {
  const actor = env.to.actor;
  const slash = actor.indexOf('/');
  return slash < 0 ? actor : actor.slice(0, slash);
}

/** First in, first out (the runtime's default). */
export function fifoSlot(): RunQueueFactory {
  return () => new FifoRunQueue<Envelope>();
}

/**
 * Fixed priority levels on `Envelope.priority`, with aging (see {@link PriorityRunQueue}).
 * `agingUnit: 'ms'` ages on the shard's monotonic clock.
 * @throws ShnError `INVALID_ARGUMENT` for bad options.
 */
export function prioritySlot(options: Omit<PriorityRunQueueOptions, 'clock'> = {}): RunQueueFactory {
  new PriorityRunQueue<Envelope>(options);
  return (ctx) => new PriorityRunQueue<Envelope>({ ...options, clock: ctx.clock });
}

/**
 * Earliest deadline first on `Envelope.deadline`; expired envelopes go to `ctx.dropped` with
 * `DEADLINE_EXCEEDED` (the host answers their asks and counts them) and are never run.
 */
export function edfSlot(): RunQueueFactory {
  return (ctx) =>
    new EdfRunQueue<Envelope>({
      clock: ctx.clock,
      deadlineOf: (env) => env.deadline,
      onExpired: (env, error) => ctx.dropped(env, error),
    });
}

/** Options of {@link wfqSlot}. */
export interface WfqSlotOptions {
  /** `tenant` (default): the `shn-tenant` header, else the actor kind; `kind`: the actor kind. */
  readonly by?: 'tenant' | 'kind';
  /** Weight per tenant or kind (finite, > 0; default 1). */
  readonly weights?: Readonly<Record<string, number>>;
  readonly defaultWeight?: number;
}

/**
 * Weighted fair queuing across tenants (header `shn-tenant`, falling back to the actor kind) or
 * actor kinds; see {@link WfqRunQueue}.
 * @throws ShnError `INVALID_ARGUMENT` for bad options.
 */
export function wfqSlot(options: WfqSlotOptions = {}): RunQueueFactory {
  const by = options.by ?? 'tenant';
  if (by !== 'tenant' && by !== 'kind') throw invalid('by', "'tenant' or 'kind'", by);
  const flowOf = by === 'kind' ? kindOf : (env: Envelope) => env.headers[HEADERS.tenant] ?? kindOf(env);
  const make = () =>
    new WfqRunQueue<Envelope>({
      flowOf,
      ...(options.weights === undefined ? {} : { weights: options.weights }),
      ...(options.defaultWeight === undefined ? {} : { defaultWeight: options.defaultWeight }),
    });
  make();
  return make;
}

/** Options of {@link mlfqSlot}. */
export interface MlfqSlotOptions {
  readonly levels?: number;
  readonly quantum?: number;
  readonly boostInterval?: number;
}

/**
 * A multi-level feedback queue charging each addressed actor (`to.actor`): actors that receive
 * a lot sink below sparse ones; see {@link MlfqRunQueue}.
 * @throws ShnError `INVALID_ARGUMENT` for bad options.
 */
export function mlfqSlot(options: MlfqSlotOptions = {}): RunQueueFactory {
  const make = () => new MlfqRunQueue<Envelope>({ ...options, flowOf: (env) => env.to.actor });
  make();
  return make;
}

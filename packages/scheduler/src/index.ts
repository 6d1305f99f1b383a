/**
 * @packageDocumentation
 * `@shn/scheduler`: run queues for the `runQueue` slot (FIFO, priority with aging, EDF, WFQ,
 * MLFQ), balancers on the core `Router` contract, and a sans-I/O work-stealing queue.
 * Depends on `@shn/core` only.
 */
export { PriorityRunQueue } from './run-queues/priority-run-queue.js';
export type { PriorityRunQueueOptions } from './run-queues/priority-run-queue.js';
export { EdfRunQueue } from './run-queues/edf-run-queue.js';
export type { EdfRunQueueOptions } from './run-queues/edf-run-queue.js';
export { WfqRunQueue } from './run-queues/wfq-run-queue.js';
export type { WfqRunQueueOptions } from './run-queues/wfq-run-queue.js';
export { MlfqRunQueue } from './run-queues/mlfq-run-queue.js';
export type { MlfqRunQueueOptions } from './run-queues/mlfq-run-queue.js';
export { MAX_PRIORITY, levelOf } from './run-queues/priority-level.js';
export { fifoSlot, prioritySlot, edfSlot, wfqSlot, mlfqSlot } from './run-queues/run-queue-slots.js';
export type { WfqSlotOptions, MlfqSlotOptions } from './run-queues/run-queue-slots.js';
export { roundRobin, weightedRoundRobin } from './balancers/round-robin.js';
export { leastLoaded, joinShortestQueue, powerOfTwoChoices } from './balancers/load-aware.js';
export { jumpHash, jumpHashBalancer } from './balancers/jump-hash.js';
export { rendezvousHash } from './balancers/rendezvous-hash.js';
export { ringHash } from './balancers/ring-hash.js';
export type { HashRingRouter } from './balancers/ring-hash.js';
export { maglevHash } from './balancers/maglev-hash.js';
export { stickySessions } from './balancers/sticky-sessions.js';
export type { StickyRouter, StickySessionOptions } from './balancers/sticky-sessions.js';
export { healthAware } from './balancers/health-aware.js';
export type { HealthAwareRouter, HealthAwareOptions } from './balancers/health-aware.js';
export { WorkStealingQueue } from './stealing/work-stealing-queue.js';
export type { WorkStealingOptions, StealCounters } from './stealing/work-stealing-queue.js';
export type { StealRequest, StealReply } from './stealing/steal-messages.js';
export { fnv1a32, murmur3, fmix32, hashPair } from './hashing.js';

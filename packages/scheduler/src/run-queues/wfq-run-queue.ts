import { ShnError } from '@shn/core';
import type { RunQueue } from '@shn/core';
import { MinHeap } from '../min-heap.js';
import { checkFunction, checkPositive, invalid } from '../option-checks.js';

/** Options of {@link WfqRunQueue}. */
export interface WfqRunQueueOptions<T> {
  /** The flow (tenant, actor kind, ...) an item is accounted to. */
  readonly flowOf: (item: T) => string;
  /** Weight per flow (finite, > 0); a flow with weight 2 gets twice the service of one with 1 when both are backlogged. */
  readonly weights?: Readonly<Record<string, number>>;
  /** Weight of a flow not in `weights` (default 1). */
  readonly defaultWeight?: number;
  /** The cost of an item (finite, > 0; default 1): service is shared by cost, not by count. */
  readonly costOf?: (item: T) => number;
}

interface Entry<T> {
  readonly item: T;
  readonly flow: string;
  readonly finish: number;
  readonly seq: number;
}

/**
 * Weighted fair queuing across flows (self-clocked fair queuing, Golestani 1994). An item gets the
 * finish tag `max(V, lastFinish(flow)) + cost / weight(flow)`; `pop` returns the smallest tag and
 * sets the virtual time V to it. Between two continuously backlogged flows i and j, the service
 * (sum of cost / weight) never differs by more than `maxCost / w_i + maxCost / w_j`. A flow that
 * sends nothing builds up no credit. Memory per flow is freed when its last item is popped.
 * O(log n) push and pop.
 */
export class WfqRunQueue<T> implements RunQueue<T> {
  readonly #flowOf: (item: T) => string;
  readonly #costOf: ((item: T) => number) | undefined;
  readonly #weights: ReadonlyMap<string, number>;
  readonly #defaultWeight: number;
  readonly #heap = new MinHeap<Entry<T>>((a, b) => (a.finish !== b.finish ? a.finish < b.finish : a.seq < b.seq));
  readonly #flows = new Map<string, { lastFinish: number; queued: number }>();
  #virtual = 0;
  #seq = 0;

  /** @throws ShnError `INVALID_ARGUMENT` for a missing `flowOf`, or a weight that is not finite and > 0. */
  constructor(options: WfqRunQueueOptions<T>) {
    this.#flowOf = checkFunction('flowOf', options?.flowOf);
    this.#costOf = options.costOf === undefined ? undefined : checkFunction('costOf', options.costOf);
    this.#defaultWeight = checkPositive('defaultWeight', options.defaultWeight ?? 1);
    const weights = new Map<string, number>();
    if (options.weights !== undefined && (typeof options.weights !== 'object' || options.weights === null)) {
      throw invalid('weights', 'an object of flow -> weight', options.weights);
    }
    for (const [flow, w] of Object.entries(options.weights ?? {})) weights.set(flow, checkPositive(`weights[${JSON.stringify(flow)}]`, w));
    this.#weights = weights;
  }

  /**
   * Queues `item` in its flow; `priority` is ignored (fairness, not priority, orders this queue).
   * @throws ShnError `INVALID_ARGUMENT` if `flowOf` returns a non-string or `costOf` a cost that is not finite and > 0.
   */
  push(item: T): void {
    const flow = this.#flowOf(item);
    if (typeof flow !== 'string') throw new ShnError('INVALID_ARGUMENT', `flowOf must return a string, got ${typeof flow}`);
    const cost = this.#costOf === undefined ? 1 : checkPositive('cost', this.#costOf(item));
    const weight = this.#weights.get(flow) ?? this.#defaultWeight;
    let state = this.#flows.get(flow);
    if (state === undefined) {
      state = { lastFinish: 0, queued: 0 };
      this.#flows.set(flow, state);
    }
    const finish = Math.max(this.#virtual, state.lastFinish) + cost / weight;
    state.lastFinish = finish;
    state.queued++;
    this.#heap.push({ item, flow, finish, seq: this.#seq++ });
  }

  pop(): T | undefined {
    const e = this.#heap.pop();
    if (e === undefined) return undefined;
    this.#virtual = e.finish;
    const state = this.#flows.get(e.flow);
    if (state !== undefined && --state.queued === 0 && state.lastFinish <= this.#virtual) this.#flows.delete(e.flow);
    return e.item;
  }

  get size(): number {
    return this.#heap.size;
  }

  /** Flows with state held (at most the flows with queued items). */
  get flows(): number {
    return this.#flows.size;
  }
}

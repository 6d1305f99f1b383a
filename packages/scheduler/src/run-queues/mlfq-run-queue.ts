import type { RunQueue } from '@shn/core';
import { FifoBuffer } from '../fifo-buffer.js';
import { checkFunction, checkInt } from '../option-checks.js';

/** Options of {@link MlfqRunQueue}. */
export interface MlfqRunQueueOptions<T> {
  /** The flow (usually the addressed actor) an item is charged to. */
  readonly flowOf: (item: T) => string;
  /** Levels, 1..32 (default 3); level 0 runs first. */
  readonly levels?: number;
  /** Items a flow may have run at level 0 before it is demoted (default 8); doubles at each lower level. */
  readonly quantum?: number;
  /** Every `boostInterval` pops (default 1024) every flow returns to level 0, with everything queued. */
  readonly boostInterval?: number;
}

interface Entry<T> {
  readonly item: T;
  readonly flow: string;
}

/**
 * Multi-level feedback queue. Items join the current level of their flow; `pop` serves the
 * highest non-empty level in FIFO order and charges the item's flow one unit; a flow that used
 * its quantum at a level drops one level (quantum doubling per level). Chatty flows thus sink
 * and sparse, interactive ones stay on top. Every `boostInterval` pops all flows are reset and
 * every queued item moves to level 0 (lower levels after higher ones, FIFO kept), so nothing
 * starves: an item is popped within `boostInterval + (queue size at the boost)` pops.
 */
export class MlfqRunQueue<T> implements RunQueue<T> {
  readonly levels: number;
  readonly quantum: number;
  readonly boostInterval: number;
  readonly #flowOf: (item: T) => string;
  #queues: FifoBuffer<Entry<T>>[];
  /** Flows away from their initial state (level 0, nothing used); cleared at each boost. */
  readonly #flows = new Map<string, { level: number; used: number }>();
  #pops = 0;
  #size = 0;

  /** @throws ShnError `INVALID_ARGUMENT` for a missing `flowOf` or out-of-range counts. */
  constructor(options: MlfqRunQueueOptions<T>) {
    this.#flowOf = checkFunction('flowOf', options?.flowOf);
    this.levels = checkInt('levels', options.levels ?? 3, 1, 32);
    this.quantum = checkInt('quantum', options.quantum ?? 8, 1, 2 ** 30);
    this.boostInterval = checkInt('boostInterval', options.boostInterval ?? 1024, 1, 2 ** 40);
    this.#queues = Array.from({ length: this.levels }, () => new FifoBuffer<Entry<T>>());
  }

  /** Queues `item` at its flow's level; `priority` is ignored. */
  push(item: T): void {
    const flow = this.#flowOf(item);
    const level = this.#flows.get(flow)?.level ?? 0;
    (this.#queues[level] as FifoBuffer<Entry<T>>).push({ item, flow });
    this.#size++;
  }

  pop(): T | undefined {
    if (this.#size === 0) return undefined;
    let e: Entry<T> | undefined;
    for (const q of this.#queues) {
      e = q.shift();
      if (e !== undefined) break;
    }
    const entry = e as Entry<T>;
    this.#size--;
    let state = this.#flows.get(entry.flow);
    if (state === undefined) {
      state = { level: 0, used: 0 };
      this.#flows.set(entry.flow, state);
    }
    if (++state.used >= this.quantum * 2 ** state.level && state.level < this.levels - 1) {
      state.level++;
      state.used = 0;
    }
    if (++this.#pops % this.boostInterval === 0) this.#boost();
    return entry.item;
  }

  get size(): number {
    return this.#size;
  }

  /** Items queued at each level, level 0 first. */
  sizes(): number[] {
    return this.#queues.map((q) => q.size);
  }

  #boost(): void {
    this.#flows.clear();
    if (this.levels === 1) return;
    const top = new FifoBuffer<Entry<T>>();
    for (const q of this.#queues) for (let e = q.shift(); e !== undefined; e = q.shift()) top.push(e);
    this.#queues = [top, ...Array.from({ length: this.levels - 1 }, () => new FifoBuffer<Entry<T>>())];
  }
}

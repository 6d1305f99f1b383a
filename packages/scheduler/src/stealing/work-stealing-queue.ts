import { ShnError, systemClock, systemRng } from '@shn/core';
import type { Clock, Rng, RunQueue } from '@shn/core';
import { FifoBuffer } from '../fifo-buffer.js';
import { checkFunction, checkInt, checkPositive } from '../option-checks.js';
import type { StealReply, StealRequest } from './steal-messages.js';

/** Options of {@link WorkStealingQueue}. */
export interface WorkStealingOptions<T> {
  /** This shard's index. */
  readonly shard: number;
  /** Shards in the runtime (>= 1). */
  readonly shards: number;
  /**
   * True for a task any shard may run (a stateless task). False for anything bound to this shard,
   * such as a message to an owned, stateful actor: those are never handed to a thief.
   */
  readonly isStealable: (task: T) => boolean;
  /** Most tasks handed over per steal (default 256). */
  readonly maxBatch?: number;
  /** A victim is asked only if its reported load is at least this (default 2). */
  readonly minVictimLoad?: number;
  /** After an empty reply, wait this long before asking again, ms; doubles up to `maxBackoffMs` (default 1). */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** A request unanswered for this long, ms, is given up (a new one may be sent; default 1000). */
  readonly requestTimeoutMs?: number;
  readonly clock?: Clock;
  readonly rng?: Rng;
}

/** Counters of one {@link WorkStealingQueue}. */
export interface StealCounters {
  /** Requests this shard sent. */
  requests: number;
  /** Tasks this shard received from others. */
  stolen: number;
  /** Tasks this shard handed to others. */
  givenAway: number;
  /** Replies that carried nothing. */
  emptyReplies: number;
  /** Requests given up after `requestTimeoutMs`. */
  timedOut: number;
}

interface Entry<T> {
  readonly task: T;
  readonly seq: number;
}

/**
 * A shard's run queue with work stealing, as a sans-I/O component: it decides and produces plain
 * messages ({@link StealRequest}, {@link StealReply}) and the host carries them between shards
 * (over the rings, as ordinary messages). Local order is FIFO over all tasks. When the shard is
 * idle, {@link requestSteal} picks the busiest other shard (from reported loads, else one at
 * random) and asks it; the victim's {@link handleRequest} hands over the newest half of its
 * *stealable* tasks (floor(n/2), at most `maxBatch`), keeping the older half and every task
 * that is not stealable; the thief's {@link handleReply} queues what it got. At most one request
 * is outstanding per thief; empty replies back off exponentially.
 */
export class WorkStealingQueue<T> implements RunQueue<T> {
  readonly shard: number;
  readonly shards: number;
  readonly counters: StealCounters = { requests: 0, stolen: 0, givenAway: 0, emptyReplies: 0, timedOut: 0 };
  readonly #isStealable: (task: T) => boolean;
  readonly #owned = new FifoBuffer<Entry<T>>();
  /** Stealable tasks, oldest at the front; thieves take from the back. */
  readonly #stealable = new FifoBuffer<Entry<T>>();
  readonly #maxBatch: number;
  readonly #minVictimLoad: number;
  readonly #backoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #rng: Rng;
  #seq = 0;
  #nextId = 1;
  #outstanding: { id: number; sentAt: number } | undefined;
  #backoffUntil = -Infinity;
  #currentBackoff: number;

  /** @throws ShnError `INVALID_ARGUMENT` for bad options (shard outside [0, shards), non-positive times). */
  constructor(options: WorkStealingOptions<T>) {
    this.shards = checkInt('shards', options?.shards, 1, 4096);
    this.shard = checkInt('shard', options.shard, 0, this.shards - 1);
    this.#isStealable = checkFunction('isStealable', options.isStealable);
    this.#maxBatch = checkInt('maxBatch', options.maxBatch ?? 256, 1, 2 ** 24);
    this.#minVictimLoad = checkInt('minVictimLoad', options.minVictimLoad ?? 2, 2, 2 ** 30);
    this.#backoffMs = checkPositive('backoffMs', options.backoffMs ?? 1);
    this.#maxBackoffMs = checkPositive('maxBackoffMs', options.maxBackoffMs ?? 64);
    this.#timeoutMs = checkPositive('requestTimeoutMs', options.requestTimeoutMs ?? 1000);
    this.#currentBackoff = this.#backoffMs;
    this.#clock = options.clock ?? systemClock;
    this.#rng = options.rng ?? systemRng;
  }

  /** Queues a task; `priority` is ignored. */
  push(task: T): void {
    const entry = { task, seq: this.#seq++ };
    if (this.#isStealable(task)) this.#stealable.push(entry);
    else this.#owned.push(entry);
  }

  /** The oldest queued task (owned or stealable). */
  pop(): T | undefined {
    const a = this.#owned.peek();
    const b = this.#stealable.peek();
    if (a === undefined && b === undefined) return undefined;
    const fromOwned = b === undefined || (a !== undefined && a.seq < b.seq);
    return ((fromOwned ? this.#owned : this.#stealable).shift() as Entry<T>).task;
  }

  get size(): number {
    return this.#owned.size + this.#stealable.size;
  }

  /** Queued tasks a thief could take. */
  get stealableSize(): number {
    return this.#stealable.size;
  }

  /** True while a request is waiting for its reply. */
  get awaitingReply(): boolean {
    return this.#outstanding !== undefined;
  }

  /**
   * Call when this shard is idle (nothing queued). Returns the request to send, or undefined when
   * one is already outstanding, the shard is backing off, it is not idle, or no other shard
   * reports enough load. `loads[s]` is shard s's queue depth (e.g. from ShardGauges); without it
   * a victim is drawn at random.
   */
  requestSteal(loads?: readonly number[]): StealRequest | undefined {
    if (this.shards < 2 || this.size > 0) return undefined;
    const now = this.#clock.monotonic();
    if (this.#outstanding !== undefined) {
      if (now - this.#outstanding.sentAt < this.#timeoutMs) return undefined;
      this.counters.timedOut++;
      this.#outstanding = undefined;
    }
    if (now < this.#backoffUntil) return undefined;
    let victim = -1;
    if (loads !== undefined) {
      let best = this.#minVictimLoad - 1;
      for (let s = 0; s < this.shards; s++) {
        const load = loads[s] ?? 0;
        if (s !== this.shard && load > best) {
          best = load;
          victim = s;
        }
      }
      if (victim < 0) return undefined;
    } else {
      victim = this.#rng.int(this.shards - 1);
      if (victim >= this.shard) victim++;
    }
    const id = this.#nextId++;
    this.#outstanding = { id, sentAt: now };
    this.counters.requests++;
    return { type: 'steal-request', thief: this.shard, victim, id };
  }

  /**
   * Victim side: answers a request with the newest half of the stealable tasks (never an owned
   * one). The returned tasks have left this queue.
   * @throws ShnError `INVALID_ARGUMENT` for a request addressed to another shard.
   */
  handleRequest(request: StealRequest): StealReply<T> {
    if (request?.type !== 'steal-request' || request.victim !== this.shard) {
      throw new ShnError('INVALID_ARGUMENT', `steal request for shard ${String(request?.victim)} reached shard ${this.shard}`);
    }
    const take = Math.min(this.#maxBatch, Math.floor(this.#stealable.size / 2));
    const tasks = new Array<T>(take);
    for (let i = take - 1; i >= 0; i--) tasks[i] = (this.#stealable.pop() as Entry<T>).task;
    this.counters.givenAway += take;
    return { type: 'steal-reply', thief: request.thief, victim: this.shard, id: request.id, tasks };
  }

  /**
   * Thief side: queues the tasks of a reply (they become this shard's, and may be stolen again).
   * A reply that does not match the outstanding request still delivers its tasks (nothing is
   * dropped) but does not clear the outstanding request. Returns the number of tasks received.
   * @throws ShnError `INVALID_ARGUMENT` for a reply addressed to another shard.
   */
  handleReply(reply: StealReply<T>): number {
    if (reply?.type !== 'steal-reply' || reply.thief !== this.shard || !Array.isArray(reply.tasks)) {
      throw new ShnError('INVALID_ARGUMENT', `steal reply for shard ${String(reply?.thief)} reached shard ${this.shard}`);
    }
    for (const task of reply.tasks) this.push(task);
    this.counters.stolen += reply.tasks.length;
    if (this.#outstanding?.id === reply.id) {
      this.#outstanding = undefined;
      if (reply.tasks.length === 0) {
        this.counters.emptyReplies++;
        this.#backoffUntil = this.#clock.monotonic() + this.#currentBackoff;
        this.#currentBackoff = Math.min(this.#maxBackoffMs, this.#currentBackoff * 2);
      } else {
        this.#currentBackoff = this.#backoffMs;
      }
    }
    return reply.tasks.length;
  }
}

import { address, seededRng, ShnError } from '@shn/core';
import type { ActorHostFactory, Clock, Middleware, Rng, Timer, TimerHandle } from '@shn/core';
import { EventLog } from './event-log.js';
import { FAULT_POINTS, SimFaultPoints } from './fault-points.js';
import type { FaultPoints, SimFaultPointOptions } from './fault-points.js';
import { HistoryRecorder } from './history.js';
import { EventQueue } from './internal/event-queue.js';
import type { QueuedEvent } from './internal/event-queue.js';
import type { Kernel, NodeHandle } from './internal/kernel.js';
import { SimNetwork } from './sim-network.js';
import type { LinkConfig } from './sim-network.js';
import { SimNode } from './sim-node.js';
import type { SimNodeOptions } from './sim-node.js';

/** Options of a {@link Simulation}. */
export interface SimulationOptions {
  /** The seed; every random choice of the run derives from it. An integer. */
  readonly seed: number;
  /**
   * The actor host every node runs its actors in: the production host, e.g. `createActorHost`
   * from `@shn/core-mailbox` (this package does not depend on it; the caller hands it over).
   */
  readonly host: ActorHostFactory;
  /** Send/ask/receive interceptors of every node, outermost first (default none). */
  readonly middleware?: readonly Middleware[];
  /** Epoch ms that virtual time 0 corresponds to (default 1 700 000 000 000). */
  readonly startEpochMs?: number;
  /** Default configuration of every network link. */
  readonly network?: Partial<LinkConfig>;
  /** Fault points: `false` disables them, an object tunes them (default: on, FoundationDB odds). */
  readonly buggify?: boolean | SimFaultPointOptions;
  /** Timeout of asks that give none, virtual ms (default 1000). */
  readonly defaultAskTimeoutMs?: number;
}

/** Why {@link Simulation.run} stopped. */
export type RunStop = 'idle' | 'until' | 'time' | 'steps';

/** Limits of {@link Simulation.run}. */
export interface RunOptions {
  /** Stop before the first event later than this virtual time (ms). */
  readonly untilTimeMs?: number;
  /** Stop after this many steps in this call. */
  readonly maxSteps?: number;
  /** Stop as soon as this returns true (checked before every step). */
  readonly until?: () => boolean;
}

/**
 * A deterministic simulation: one thread, virtual time, and one seeded event queue ordered by
 * `(time, sequence)`. Nodes host actors, talk over a faulty {@link SimNetwork}, keep data on a
 * {@link SimStore} disk, and crash, restart, pause and skew on command. Everything that
 * happens is written to {@link Simulation.log}; the same seed gives the same log, byte for byte.
 *
 * A step runs one event (a delivery, a timer, a scheduled action). {@link Simulation.run}
 * lets promise continuations settle between steps (it yields to the event loop with
 * `setImmediate`, which involves no time), so actors and workloads may use async/await.
 */
export class Simulation {
  /** The seed of this run. */
  readonly seed: number;
  /** Everything that happened, one line per entry. */
  readonly log = new EventLog();
  /** The simulated network. */
  readonly network: SimNetwork;
  /** The run's fault points (see {@link buggify}). */
  readonly faults: FaultPoints;
  /** A recorder for client histories on virtual time (see the linearizability checker). */
  readonly history: HistoryRecorder;
  /** Epoch ms of virtual time 0. */
  readonly startEpochMs: number;
  readonly [FAULT_POINTS]: FaultPoints;
  readonly #queue = new EventQueue();
  readonly #nodes = new Map<string, SimNode>();
  readonly #master: ReturnType<typeof seededRng>;
  readonly #nodeRng: ReturnType<typeof seededRng>;
  readonly #kernel: Kernel;
  #now = 0;
  #steps = 0;
  #seq = 0;

  /** @throws ShnError `INVALID_ARGUMENT` for a non-integer seed or invalid options. */
  constructor(options: SimulationOptions) {
    if (typeof options !== 'object' || options === null) throw new ShnError('INVALID_ARGUMENT', 'simulation options must be an object');
    if (!Number.isSafeInteger(options.seed)) throw new ShnError('INVALID_ARGUMENT', `seed must be a safe integer, got ${String(options.seed)}`);
    this.seed = options.seed;
    if (typeof options.host !== 'function') {
      throw new ShnError('INVALID_ARGUMENT', `host must be an ActorHostFactory (e.g. createActorHost from @shn/core-mailbox), got ${typeof options.host}`);
    }
    const middleware = options.middleware ?? [];
    if (!Array.isArray(middleware)) throw new ShnError('INVALID_ARGUMENT', 'middleware must be an array of Middleware');
    this.startEpochMs = checkNumber('startEpochMs', options.startEpochMs ?? 1_700_000_000_000);
    const askTimeout = checkNumber('defaultAskTimeoutMs', options.defaultAskTimeoutMs ?? 1000);
    this.#master = seededRng((options.seed % 4294967296) | 0);
    const networkRng = this.#master.fork();
    const faultRng = this.#master.fork();
    this.#nodeRng = this.#master.fork() as ReturnType<typeof seededRng>;
    const b = options.buggify ?? true;
    const faultOptions: SimFaultPointOptions = typeof b === 'boolean' ? { enabled: b } : b;
    this.faults = new SimFaultPoints(faultRng, faultOptions, (name) => this.#kernel.log('buggify', name));
    this[FAULT_POINTS] = this.faults;
    this.history = new HistoryRecorder(() => this.#now);
    const now = (): number => this.#now;
    this.#kernel = {
      get now() {
        return now();
      },
      startEpochMs: this.startEpochMs,
      defaultAskTimeoutMs: askTimeout,
      faults: this.faults,
      host: options.host,
      middleware,
      schedule: (delayMs, fire, owner, epoch) => this.#schedule(delayMs, fire, owner, epoch),
      log: (kind, detail) => this.log.append(this.#steps, this.#now, kind, detail),
      send: (from, to, payload, what) => this.network.send(from, to, payload, what),
      node: (name) => this.#nodes.get(name),
      nodeNames: () => [...this.#nodes.keys()],
    };
    this.network = new SimNetwork(this.#kernel, networkRng);
    if (options.network !== undefined) this.network.configure(options.network);
  }

  /** Virtual time, ms since the start of the run. */
  get now(): number {
    return this.#now;
  }

  /** Steps (events) run so far. */
  get steps(): number {
    return this.#steps;
  }

  /** Number of events waiting (cancelled ones may be counted until they surface). */
  get pending(): number {
    return this.#queue.size;
  }

  /** A simulation-wide clock (no skew): `now()` is `startEpochMs + now`. */
  readonly clock: Clock = {
    now: () => this.startEpochMs + this.#now,
    monotonic: () => this.#now,
  };

  /** Simulation-wide timers (not tied to any node, so crashes do not cancel them). */
  readonly timer: Timer = {
    setTimeout: (fn: () => void, ms: number): TimerHandle => {
      if (typeof fn !== 'function') throw new ShnError('INVALID_ARGUMENT', 'timer callback must be a function');
      const ev = this.#schedule(Math.max(0, Number.isFinite(ms) ? ms : 0), fn);
      return { unref() {}, ev } as TimerHandle;
    },
    clearTimeout: (handle: TimerHandle) => {
      const ev = (handle as { ev?: QueuedEvent } | undefined)?.ev;
      if (ev !== undefined) ev.cancelled = true;
    },
  };

  /** A new Rng derived from the seed (deterministic given the order of calls), e.g. for a workload. */
  fork(): Rng {
    return this.#master.fork();
  }

  /**
   * Adds a node and starts it (calling its `onStart`).
   * @throws ShnError `INVALID_ARGUMENT` for an invalid or duplicate name or invalid options.
   */
  addNode(name: string, options: SimNodeOptions = {}): SimNode {
    address(name, 0, 'node/x');
    if (this.#nodes.has(name)) throw new ShnError('INVALID_ARGUMENT', `node ${name} already exists`);
    const node = new SimNode(this.#kernel, name, options, this.#nodeRng.fork() as Rng & { fork(): Rng });
    this.#nodes.set(name, node);
    this.log.append(this.#steps, this.#now, 'node', name);
    node.boot();
    return node;
  }

  /** The node called `name`. @throws ShnError `INVALID_ARGUMENT` if there is none. */
  node(name: string): SimNode {
    const n = this.#nodes.get(name);
    if (n === undefined) throw new ShnError('INVALID_ARGUMENT', `unknown node ${JSON.stringify(name)}`);
    return n;
  }

  /** Every node, in creation order. */
  get nodes(): readonly SimNode[] {
    return [...this.#nodes.values()];
  }

  /**
   * Runs `action` at virtual time `timeMs` (or now, if that is past), logged under `label`:
   * the way to schedule crashes, partitions and heals.
   * @throws ShnError `INVALID_ARGUMENT` for a non-finite time or a non-function.
   */
  at(timeMs: number, label: string, action: () => void): void {
    checkNumber('time', timeMs);
    if (typeof action !== 'function') throw new ShnError('INVALID_ARGUMENT', 'action must be a function');
    this.#schedule(Math.max(0, timeMs - this.#now), () => {
      this.log.append(this.#steps, this.#now, 'at', String(label));
      action();
    });
  }

  /** Like {@link Simulation.at}, `delayMs` from now. */
  after(delayMs: number, label: string, action: () => void): void {
    this.at(this.#now + checkNumber('delay', delayMs), label, action);
  }

  /** Virtual time of the next event, or `undefined` if none is queued. */
  nextEventTime(): number | undefined {
    return this.#queue.peek()?.time;
  }

  /**
   * Runs exactly one event (skipping events of crashed incarnations and deferring those of
   * paused nodes). Returns false if the queue is empty. Errors thrown by the event propagate.
   */
  step(): boolean {
    for (;;) {
      const ev = this.#queue.pop();
      if (ev === undefined) return false;
      const meta = ev as QueuedEvent & { owner?: NodeHandle; epoch?: number };
      if (meta.owner !== undefined) {
        if (meta.epoch !== undefined && meta.epoch !== meta.owner.epoch) continue;
        if (meta.owner.pausedUntil > ev.time) {
          this.#queue.push({ ...meta, time: meta.owner.pausedUntil, seq: this.#seq++ });
          continue;
        }
      }
      this.#now = ev.time;
      this.#steps++;
      ev.fire();
      return true;
    }
  }

  /**
   * Runs events until the queue is empty or a limit is hit, letting promise continuations
   * settle after every step. Resolves with the reason it stopped.
   */
  async run(options: RunOptions = {}): Promise<RunStop> {
    const maxSteps = options.maxSteps ?? Number.POSITIVE_INFINITY;
    let steps = 0;
    await settle();
    for (;;) {
      if (options.until?.() === true) return 'until';
      if (steps >= maxSteps) return 'steps';
      const next = this.nextEventTime();
      if (next === undefined) return 'idle';
      if (options.untilTimeMs !== undefined && next > options.untilTimeMs) {
        this.#now = Math.max(this.#now, options.untilTimeMs);
        return 'time';
      }
      this.step();
      steps++;
      await settle();
    }
  }

  #schedule(delayMs: number, fire: () => void, owner?: NodeHandle, epoch?: number): QueuedEvent {
    const ev = { time: this.#now + Math.max(0, delayMs), seq: this.#seq++, cancelled: false, fire, owner, epoch };
    this.#queue.push(ev);
    return ev;
  }
}

/** Lets every pending promise continuation run (no time passes). @internal */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function checkNumber(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ShnError('INVALID_ARGUMENT', `${what} must be a finite number, got ${String(v)}`);
  return v;
}

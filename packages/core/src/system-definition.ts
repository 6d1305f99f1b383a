import type { ActorFactory } from './actor.js';
import { assertKind } from './address.js';
import type { Clock, Rng, Timer } from './clock.js';
import type { Envelope } from './envelope.js';
import { ShnError } from './errors.js';
import type { Logger } from './logger.js';
import type { Middleware } from './middleware.js';
import type { MessageType } from './message-schema.js';
import { listMessageTypes } from './message-schema.js';
import type { RunQueue, Router } from './routing.js';
import type { RestartIntensity, RestartPolicy, SupervisionStrategy } from './supervision.js';
import { DEFAULT_RESTART_INTENSITY, RESTART_POLICIES, SUPERVISION_STRATEGIES, checkRestartIntensity } from './supervision.js';

/** The default per-actor mailbox capacity, in envelopes. */
export const DEFAULT_MAILBOX_CAPACITY = 1024;

/** Everything a shard needs to know about one actor kind. */
export interface ActorKindDefinition {
  /** Creates a fresh behaviour for an id; called again on every restart. */
  factory: ActorFactory;
  /**
   * `per-id` (default): one actor instance per kind/id, activated lazily on its first message
   * (a virtual actor). `per-shard`: one instance per shard handles every id of the kind routed
   * there (`ctx.id` is the shard index as a string; `env.to.actor` carries the addressed kind/id).
   */
  mode?: 'per-id' | 'per-shard';
  /** How this kind's actors are treated by their supervisor when they end (default `permanent`). */
  restart?: RestartPolicy;
  /** How THIS actor supervises its spawned children (default `one-for-one`). */
  strategy?: SupervisionStrategy;
  /** Limit for restarting THIS actor's children (and, for the guardian, top-level actors of this kind). */
  intensity?: RestartIntensity;
  /** Per-actor mailbox capacity in envelopes, default 1024 (rounded up to a power of two). */
  mailboxCapacity?: number;
  /** Passivate (stop) idle per-id actors after this many ms without messages; default: never. */
  idleTimeoutMs?: number;
}

/** An {@link ActorKindDefinition} with every default filled in and every field validated. */
export interface ResolvedActorKind {
  readonly name: string;
  readonly factory: ActorFactory;
  readonly mode: 'per-id' | 'per-shard';
  readonly restart: RestartPolicy;
  readonly strategy: SupervisionStrategy;
  readonly intensity: Readonly<RestartIntensity>;
  readonly mailboxCapacity: number;
  /** `undefined` when the kind never passivates. */
  readonly idleTimeoutMs: number | undefined;
}

function invalidKind(kind: string, what: string, value: unknown): ShnError {
  return new ShnError('INVALID_ARGUMENT', `actor kind ${JSON.stringify(kind)}: ${what}, got ${String(value)}`, {
    details: { kind },
  });
}

/**
 * Validates a kind definition and fills in its defaults.
 * @throws ShnError `INVALID_ARGUMENT` on a bad kind name or any bad field, naming the field and its range.
 */
export function resolveActorKind(name: string, def: ActorKindDefinition): ResolvedActorKind {
  assertKind(name);
  if (typeof def !== 'object' || def === null) throw invalidKind(name, 'definition must be an object', def);
  if (typeof def.factory !== 'function') throw invalidKind(name, 'factory must be a function', typeof def.factory);
  const mode = def.mode ?? 'per-id';
  if (mode !== 'per-id' && mode !== 'per-shard') throw invalidKind(name, "mode must be 'per-id' or 'per-shard'", mode);
  const restart = def.restart ?? 'permanent';
  if (!RESTART_POLICIES.includes(restart)) throw invalidKind(name, 'restart must be permanent|transient|temporary', restart);
  const strategy = def.strategy ?? 'one-for-one';
  if (!SUPERVISION_STRATEGIES.includes(strategy)) {
    throw invalidKind(name, 'strategy must be one-for-one|one-for-all|rest-for-one', strategy);
  }
  const intensity = checkRestartIntensity(def.intensity ?? DEFAULT_RESTART_INTENSITY, `actor kind ${JSON.stringify(name)}: intensity`);
  const mailboxCapacity = def.mailboxCapacity ?? DEFAULT_MAILBOX_CAPACITY;
  if (!Number.isInteger(mailboxCapacity) || mailboxCapacity < 1 || mailboxCapacity > 2 ** 30) {
    throw invalidKind(name, 'mailboxCapacity must be an integer in [1, 2^30]', mailboxCapacity);
  }
  const idleTimeoutMs = def.idleTimeoutMs;
  if (idleTimeoutMs !== undefined && (!Number.isFinite(idleTimeoutMs) || idleTimeoutMs <= 0)) {
    throw invalidKind(name, 'idleTimeoutMs must be a finite number > 0', idleTimeoutMs);
  }
  return Object.freeze({ name, factory: def.factory, mode, restart, strategy, intensity, mailboxCapacity, idleTimeoutMs });
}

// ------------------------------------------------------------------ slots

/** What every slot factory is told about the thread it serves. */
export interface SlotContext {
  /** This node's name. */
  readonly node: string;
  /** The shard this thread hosts, or `-1` on the main thread. */
  readonly shard: number;
  readonly clock: Clock;
  readonly timer: Timer;
  readonly rng: Rng;
}

/** What a {@link RunQueueFactory} gets on top of the {@link SlotContext}. */
export interface RunQueueContext extends SlotContext {
  /**
   * Reports an envelope the queue discarded instead of handing it out (for example, an earliest-
   * deadline-first queue drops an expired envelope). The host answers its ask with `error`
   * (typically `DEADLINE_EXCEEDED`), raises a `message-lost` event and counts it. Never call it for
   * an envelope that `pop` returns.
   */
  dropped(envelope: Envelope, error: ShnError): void;
}

/**
 * The `runQueue` slot: makes the queue that orders the envelopes a shard has accepted, before
 * they reach their actors' mailboxes. `push(env, env.priority ?? 0)` on arrival, `pop()` when the
 * shard has room to run. Default: FIFO. `@shn/scheduler` supplies priority, EDF, WFQ and MLFQ.
 */
export type RunQueueFactory = (ctx: RunQueueContext) => RunQueue<Envelope>;

/** The `logger` slot: the logger of one thread; the runtime binds `shard` and `actor` with `child`. */
export type LoggerFactory = (ctx: SlotContext) => Logger;

/** When the checkpoint slot captures an actor's state, and where it keeps it. */
export interface Checkpoints {
  /**
   * The latest saved snapshot of `actor` (`kind/id`), or undefined if none. The host calls it before
   * an actor's `start` on every activation and restart, and passes the bytes to its `restore`.
   * A rejection or throw is logged and the actor starts empty (never silently: an `actor-restored`
   * failure is logged at `error`).
   */
  load(actor: string): Promise<Uint8Array | undefined> | Uint8Array | undefined;
  /** Stores a snapshot taken with the actor's `snapshot()`. */
  save(actor: string, bytes: Uint8Array): Promise<void> | void;
  /**
   * Asked after every handled message; `true` takes a snapshot now. Default: after every message.
   * `messagesSinceSave` counts messages handled since the last save; `msSinceSave` uses the host's monotonic clock.
   */
  shouldSave?(actor: string, messagesSinceSave: number, msSinceSave: number): boolean;
}

/** The `checkpoints` slot: the checkpoint policy of one shard. `@shn/checkpoint` supplies file and SQLite stores. */
export type CheckpointsFactory = (ctx: SlotContext) => Checkpoints;

// ------------------------------------------------------------------ systems

/**
 * What a system module's default export declares: the actor kinds, and optionally the router,
 * middleware and slots. The module is imported by every shard thread and by the main thread, so
 * it must be importable by plain Node and must not start servers at import time. Slots are
 * factories because each thread builds its own.
 */
export interface SystemDefinition {
  /** Actor kinds by name (`[A-Za-z0-9_.:-]{1,64}`). */
  readonly kinds: Readonly<Record<string, ActorKindDefinition>>;
  /** Places `kind/id` on a shard; default jump hash. Must be deterministic. */
  readonly router?: Router;
  /** Interceptors, outermost first, run in every thread for send, receive and ask. */
  readonly middleware?: readonly Middleware[];
  /** The run-queue slot (default FIFO). */
  readonly runQueue?: RunQueueFactory;
  /** The logger slot (default: JSON lines on stderr at level `info`). */
  readonly logger?: LoggerFactory;
  /** The checkpoint slot (default: none; actors restart empty). */
  readonly checkpoints?: CheckpointsFactory;
  /**
   * Declared message types (`defineMessages(...)` protocols, or single message types): every
   * thread compiles them once, so their bodies and replies cross as fixed-layout frames and the
   * typed `tell`/`ask` of a runtime know their body and reply types. Undeclared types still work
   * through the generic value codec.
   */
  readonly messages?: readonly (MessageType | Readonly<Record<string, MessageType>>)[];
}

/** Serialisable parameters of a system module: what structured clone carries to every thread. */
export type SystemParams = unknown;

/** A system module that takes parameters: `createRuntime({ system, params })` calls it in every thread. */
export type SystemFactory<P = SystemParams> = (params: P) => SystemDefinition;

const DEF_BRAND = Symbol.for('@shn/core/SystemDefinition');
const FACTORY_BRAND = Symbol.for('@shn/core/SystemFactory');

function checkDefinition(def: SystemDefinition): SystemDefinition {
  if (typeof def !== 'object' || def === null || typeof def.kinds !== 'object' || def.kinds === null) {
    throw new ShnError('INVALID_ARGUMENT', 'defineSystem needs { kinds: { name: { factory } } }');
  }
  for (const [name, kind] of Object.entries(def.kinds)) resolveActorKind(name, kind);
  if (def.router !== undefined && typeof def.router?.pick !== 'function') {
    throw new ShnError('INVALID_ARGUMENT', 'router must have a pick(key, candidates) function');
  }
  if (def.middleware !== undefined && !Array.isArray(def.middleware)) {
    throw new ShnError('INVALID_ARGUMENT', 'middleware must be an array');
  }
  for (const m of def.middleware ?? []) {
    if (typeof m !== 'object' || m === null || typeof m.name !== 'string') {
      throw new ShnError('INVALID_ARGUMENT', 'every middleware needs a name');
    }
  }
  if (def.messages !== undefined) {
    if (!Array.isArray(def.messages)) throw new ShnError('INVALID_ARGUMENT', 'messages must be an array of defineMessages(...) protocols');
    const seen = new Map<number, string>();
    for (const m of listMessageTypes(def.messages)) {
      const name = `${m.kind}/${m.type}`;
      const other = seen.get(m.id);
      if (other !== undefined && other !== name) {
        throw new ShnError('INVALID_ARGUMENT', `message types ${other} and ${name} have the same 32-bit id ${m.id}; rename one`);
      }
      seen.set(m.id, name);
    }
  }
  for (const slot of ['runQueue', 'logger', 'checkpoints'] as const) {
    if (def[slot] !== undefined && typeof def[slot] !== 'function') {
      throw new ShnError('INVALID_ARGUMENT', `slot ${slot} must be a factory function (ctx) => …, got ${typeof def[slot]}`);
    }
  }
  return Object.freeze({ ...def, [DEF_BRAND]: true });
}

/**
 * Validates and brands a system definition; use it as a system module's default export.
 *
 * Pass a definition, or a function of serialisable params that returns one: the runtime then
 * calls it in every thread with `createRuntime({ params })` (validated there, when called).
 * @throws ShnError `INVALID_ARGUMENT` for a malformed definition.
 */
export function defineSystem<P>(factory: SystemFactory<P>): SystemFactory<P>;
export function defineSystem(def: SystemDefinition): SystemDefinition;
export function defineSystem<P>(def: SystemDefinition | SystemFactory<P>): SystemDefinition | SystemFactory<P> {
  if (typeof def === 'function') {
    const factory: SystemFactory<P> = (params: P) => {
      const made = def(params);
      return isSystemDefinition(made) ? made : checkDefinition(made);
    };
    Object.defineProperty(factory, FACTORY_BRAND, { value: true });
    return factory;
  }
  return checkDefinition(def);
}

/** True for a value returned by {@link defineSystem} with a definition. */
export function isSystemDefinition(value: unknown): value is SystemDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[DEF_BRAND] === true;
}

/** True for a value returned by {@link defineSystem} with a factory of params. */
export function isSystemFactory(value: unknown): value is SystemFactory<unknown> {
  return typeof value === 'function' && (value as unknown as Record<symbol, unknown>)[FACTORY_BRAND] === true;
}

/**
 * Turns a system module's default export into a definition, calling a factory with `params`.
 * @param source - names the module in error messages.
 * @throws ShnError `INVALID_ARGUMENT` if the export is neither, or the factory throws or returns junk.
 */
export function resolveSystem(exported: unknown, params: SystemParams, source = 'system module'): SystemDefinition {
  if (isSystemDefinition(exported)) {
    if (params !== undefined) {
      throw new ShnError('INVALID_ARGUMENT', `${source} takes no params (export defineSystem((params) => ({...})) to accept them)`);
    }
    return exported;
  }
  if (isSystemFactory(exported)) {
    try {
      return exported(params);
    } catch (cause) {
      if (cause instanceof ShnError) throw cause;
      throw new ShnError('INVALID_ARGUMENT', `${source}: the system factory threw: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    }
  }
  throw new ShnError('INVALID_ARGUMENT', `${source} must default-export defineSystem({...}) or defineSystem((params) => ({...}))`);
}

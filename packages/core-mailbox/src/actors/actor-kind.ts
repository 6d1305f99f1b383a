import { ShnError, assertKind } from '@shn/core';
import type { ActorFactory } from '@shn/core';

/**
 * How a supervisor treats a child that ended.
 * - `permanent`: always restarted (after a crash and after a normal stop);
 * - `transient`: restarted only after a crash, not after a normal stop;
 * - `temporary`: never restarted.
 */
export type RestartPolicy = 'permanent' | 'transient' | 'temporary';

/**
 * Which children a supervisor restarts when one of them must be restarted.
 * - `one-for-one`: only that child;
 * - `one-for-all`: every child;
 * - `rest-for-one`: that child and every child started after it.
 */
export type SupervisionStrategy = 'one-for-one' | 'one-for-all' | 'rest-for-one';

/**
 * The restart limit of a supervisor: more than `maxRestarts` restarts within any window of
 * `periodMs` milliseconds makes the supervisor escalate. Default 5 per 10 000 ms (OTP-like).
 */
export interface RestartIntensity {
  /** Most restarts tolerated inside one period; an integer >= 0. */
  maxRestarts: number;
  /** The sliding window length, milliseconds; > 0. */
  periodMs: number;
}

/** The default {@link RestartIntensity}: 5 restarts per 10 000 ms. */
export const DEFAULT_RESTART_INTENSITY: Readonly<RestartIntensity> = Object.freeze({ maxRestarts: 5, periodMs: 10_000 });

/** The default per-actor mailbox capacity, in envelopes. */
export const DEFAULT_MAILBOX_CAPACITY = 1024;

/** Everything a shard needs to know about one actor kind. */
export interface ActorKindDefinition {
  /** Creates a fresh behaviour for an id; called again on every restart. */
  factory: ActorFactory;
  /** 'per-id' (default): one actor instance per kind/id, activated lazily on first message (virtual actor).
   *  'per-shard': one instance per shard handles every id of the kind routed there (ctx.id is the shard index as
   *  a string; env.to.actor carries the addressed kind/id). */
  mode?: 'per-id' | 'per-shard';
  /** How this kind's actors are treated by their supervisor when they end (default 'permanent'). */
  restart?: RestartPolicy;
  /** How THIS actor supervises its spawned children (default 'one-for-one'). */
  strategy?: SupervisionStrategy;
  /** Limit for restarting THIS actor's children (and, for the guardian, top-level actors of this kind). */
  intensity?: RestartIntensity;
  /** Per-actor mailbox capacity in envelopes, default 1024 (rounded up to a power of two). */
  mailboxCapacity?: number;
  /** Passivate (stop) idle per-id actors after this many ms of no messages; default: never. */
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

const POLICIES: readonly string[] = ['permanent', 'transient', 'temporary'];
const STRATEGIES: readonly string[] = ['one-for-one', 'one-for-all', 'rest-for-one'];

function invalid(kind: string, what: string, value: unknown): ShnError {
  return new ShnError('INVALID_ARGUMENT', `actor kind ${JSON.stringify(kind)}: ${what}, got ${String(value)}`, {
    details: { kind },
  });
}

/**
 * Validates a kind definition and fills in its defaults.
 * @throws ShnError `INVALID_ARGUMENT` on a bad kind name or any bad field.
 */
export function resolveActorKind(name: string, def: ActorKindDefinition): ResolvedActorKind {
  assertKind(name);
  if (typeof def !== 'object' || def === null) throw invalid(name, 'definition must be an object', def);
  if (typeof def.factory !== 'function') throw invalid(name, 'factory must be a function', typeof def.factory);
  const mode = def.mode ?? 'per-id';
  if (mode !== 'per-id' && mode !== 'per-shard') throw invalid(name, "mode must be 'per-id' or 'per-shard'", mode);
  const restart = def.restart ?? 'permanent';
  if (!POLICIES.includes(restart)) throw invalid(name, 'restart must be permanent|transient|temporary', restart);
  const strategy = def.strategy ?? 'one-for-one';
  if (!STRATEGIES.includes(strategy)) throw invalid(name, 'strategy must be one-for-one|one-for-all|rest-for-one', strategy);
  const intensity = def.intensity ?? DEFAULT_RESTART_INTENSITY;
  if (typeof intensity !== 'object' || intensity === null) throw invalid(name, 'intensity must be an object', intensity);
  if (!Number.isSafeInteger(intensity.maxRestarts) || intensity.maxRestarts < 0) {
    throw invalid(name, 'intensity.maxRestarts must be an integer >= 0', intensity.maxRestarts);
  }
  if (!Number.isFinite(intensity.periodMs) || intensity.periodMs <= 0) {
    throw invalid(name, 'intensity.periodMs must be a finite number > 0', intensity.periodMs);
  }
  const mailboxCapacity = def.mailboxCapacity ?? DEFAULT_MAILBOX_CAPACITY;
  if (!Number.isInteger(mailboxCapacity) || mailboxCapacity < 1 || mailboxCapacity > 2 ** 30) {
    throw invalid(name, 'mailboxCapacity must be an integer in [1, 2^30]', mailboxCapacity);
  }
  const idleTimeoutMs = def.idleTimeoutMs;
  if (idleTimeoutMs !== undefined && (!Number.isFinite(idleTimeoutMs) || idleTimeoutMs <= 0)) {
    throw invalid(name, 'idleTimeoutMs must be a finite number > 0', idleTimeoutMs);
  }
  return Object.freeze({
    name,
    factory: def.factory,
    mode,
    restart,
    strategy,
    intensity: Object.freeze({ maxRestarts: intensity.maxRestarts, periodMs: intensity.periodMs }),
    mailboxCapacity,
    idleTimeoutMs,
  });
}

import { ShnError } from '@shn/core';
import type { Rng } from '@shn/core';

/**
 * BUGGIFY-style fault points (after FoundationDB): code asks `buggify(name)` before taking a
 * rare path (a short read, a slow fsync, an early timeout). Outside simulation the answer is
 * always `false`, so the rare path costs one property lookup.
 */
export interface FaultPoints {
  /**
   * True when the fault point `name` should fire now.
   * @param probability - chance of firing once the point is active, in [0, 1] (default 0.25).
   * @throws ShnError `INVALID_ARGUMENT` for an empty name or a probability outside [0, 1].
   */
  buggify(name: string, probability?: number): boolean;
}

/**
 * The brand under which a simulation attaches its {@link FaultPoints} to the objects it hands
 * to code (the simulation itself, every simulated `ActorContext`). It is a `Symbol.for`, so
 * code that must not depend on `@shn/sim` can consult it without importing this package:
 * `(ctx as any)[Symbol.for('@shn/sim/fault-points')]?.buggify('name') === true`.
 */
export const FAULT_POINTS: unique symbol = Symbol.for('@shn/sim/fault-points') as never;

/** Fault points that never fire: the default outside simulation. */
export const noFaultPoints: FaultPoints = Object.freeze({
  buggify(name: string, probability?: number): boolean {
    checkFaultPoint(name, probability);
    return false;
  },
});

/**
 * Asks the fault point `name` of `source`: a simulated `ActorContext`, a `Simulation`, a
 * {@link FaultPoints}, or anything else. Anything that carries no simulation's fault points
 * (a real runtime's context, `undefined`) answers `false`: fault points are off outside
 * simulation.
 * @param probability - chance of firing once active, in [0, 1] (default 0.25).
 * @throws ShnError `INVALID_ARGUMENT` for an empty name or a probability outside [0, 1].
 */
export function buggify(source: unknown, name: string, probability?: number): boolean {
  checkFaultPoint(name, probability);
  const points = faultPointsOf(source);
  return points === undefined ? false : points.buggify(name, probability);
}

function faultPointsOf(source: unknown): FaultPoints | undefined {
  if ((typeof source !== 'object' && typeof source !== 'function') || source === null) return undefined;
  const branded = (source as { [FAULT_POINTS]?: unknown })[FAULT_POINTS];
  if (isFaultPoints(branded)) return branded;
  return isFaultPoints(source) ? source : undefined;
}

function isFaultPoints(v: unknown): v is FaultPoints {
  return typeof v === 'object' && v !== null && typeof (v as FaultPoints).buggify === 'function';
}

function checkFaultPoint(name: unknown, probability: unknown): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ShnError('INVALID_ARGUMENT', `fault point name must be a non-empty string, got ${JSON.stringify(name)}`);
  }
  if (probability !== undefined && (typeof probability !== 'number' || !(probability >= 0 && probability <= 1))) {
    throw new ShnError('INVALID_ARGUMENT', `fault point probability must be in [0, 1], got ${String(probability)}`);
  }
}

/** Options of simulated fault points. */
export interface SimFaultPointOptions {
  /** False turns every fault point off for the run (default true). */
  readonly enabled?: boolean;
  /** Chance that a point is active for the whole run, decided when first consulted (default 0.25). */
  readonly activation?: number;
  /** Default chance that an active point fires each time it is consulted (default 0.25). */
  readonly probability?: number;
}

/**
 * Seeded fault points for one simulation run, FoundationDB-style: each named point is decided
 * active or inactive for the whole run the first time it is consulted, and an active point
 * fires with its probability each time. Every decision comes from the seeded Rng, so the run
 * replays exactly.
 * @internal
 */
export class SimFaultPoints implements FaultPoints {
  readonly #rng: Rng;
  readonly #active = new Map<string, boolean>();
  readonly #enabled: boolean;
  readonly #activation: number;
  readonly #probability: number;
  readonly #onFire: (name: string) => void;

  constructor(rng: Rng, options: SimFaultPointOptions, onFire: (name: string) => void) {
    this.#rng = rng;
    this.#enabled = options.enabled ?? true;
    this.#activation = checkedProbability('activation', options.activation ?? 0.25);
    this.#probability = checkedProbability('probability', options.probability ?? 0.25);
    this.#onFire = onFire;
  }

  buggify(name: string, probability?: number): boolean {
    checkFaultPoint(name, probability);
    if (!this.#enabled) return false;
    let active = this.#active.get(name);
    if (active === undefined) {
      active = this.#rng.next() < this.#activation;
      this.#active.set(name, active);
    }
    if (!active) return false;
    const fire = this.#rng.next() < (probability ?? this.#probability);
    if (fire) this.#onFire(name);
    return fire;
  }
}

function checkedProbability(what: string, p: unknown): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new ShnError('INVALID_ARGUMENT', `buggify ${what} must be in [0, 1], got ${String(p)}`);
  }
  return p;
}

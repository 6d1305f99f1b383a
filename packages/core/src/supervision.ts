import { ShnError } from './errors.js';

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

/** Every {@link RestartPolicy}. */
export const RESTART_POLICIES: readonly RestartPolicy[] = Object.freeze(['permanent', 'transient', 'temporary']);
/** Every {@link SupervisionStrategy}. */
export const SUPERVISION_STRATEGIES: readonly SupervisionStrategy[] = Object.freeze(['one-for-one', 'one-for-all', 'rest-for-one']);

/**
 * Validates a restart intensity.
 * @param what - names the field in the error message (e.g. `actor kind "kv": intensity`).
 * @throws ShnError `INVALID_ARGUMENT` naming the field and the accepted range.
 */
export function checkRestartIntensity(value: unknown, what = 'intensity'): Readonly<RestartIntensity> {
  if (typeof value !== 'object' || value === null) {
    throw new ShnError('INVALID_ARGUMENT', `${what} must be { maxRestarts, periodMs }, got ${String(value)}`);
  }
  const { maxRestarts, periodMs } = value as Partial<RestartIntensity>;
  if (!Number.isSafeInteger(maxRestarts) || (maxRestarts as number) < 0) {
    throw new ShnError('INVALID_ARGUMENT', `${what}.maxRestarts must be an integer >= 0, got ${String(maxRestarts)}`);
  }
  if (typeof periodMs !== 'number' || !Number.isFinite(periodMs) || periodMs <= 0) {
    throw new ShnError('INVALID_ARGUMENT', `${what}.periodMs must be a finite number > 0, got ${String(periodMs)}`);
  }
  return Object.freeze({ maxRestarts: maxRestarts as number, periodMs });
}

/**
 * Counts restarts in a sliding time window and says when a supervisor's restart intensity is
 * exceeded: more than `maxRestarts` restarts within the last `periodMs`. A restart exactly
 * `periodMs` before `now` has left the window (the window is the half-open interval
 * `(now - periodMs, now]`). Times are milliseconds from any monotonic source, passed in by the
 * caller, so the window works on virtual time too. This is the one restart window of shn: actor
 * supervisors and the shard-thread supervisor both use it.
 */
export class RestartWindow {
  readonly #intensity: Readonly<RestartIntensity>;
  #times: number[] = [];

  /** @throws ShnError `INVALID_ARGUMENT` for an invalid intensity. */
  constructor(intensity: Readonly<RestartIntensity>) {
    this.#intensity = checkRestartIntensity(intensity);
  }

  /** The intensity this window enforces. */
  get intensity(): Readonly<RestartIntensity> {
    return this.#intensity;
  }

  /** Restarts currently inside the window (as of the last {@link record}). */
  get count(): number {
    return this.#times.length;
  }

  /**
   * Records one restart at `now` (ms). Returns `true` if it is allowed, `false` if it makes more
   * than `maxRestarts` restarts inside the window (the supervisor must escalate; the window is
   * then cleared).
   */
  record(now: number): boolean {
    const horizon = now - this.#intensity.periodMs;
    const times = this.#times.filter((t) => t > horizon);
    times.push(now);
    if (times.length > this.#intensity.maxRestarts) {
      this.#times = [];
      return false;
    }
    this.#times = times;
    return true;
  }

  /** Forgets every recorded restart. */
  reset(): void {
    this.#times = [];
  }
}

import type { RestartIntensity } from './actor-kind.js';

/**
 * Counts restarts in a sliding time window and says when a supervisor's restart intensity is
 * exceeded (more than `maxRestarts` restarts within `periodMs`). Times are milliseconds from any
 * monotonic source; callers pass them in, so the window works on virtual time too.
 */
export class RestartWindow {
  readonly #intensity: Readonly<RestartIntensity>;
  /** Times of the restarts still inside the window, oldest first. */
  #times: number[] = [];

  /** @param intensity - an already validated intensity (see `resolveActorKind`). */
  constructor(intensity: Readonly<RestartIntensity>) {
    this.#intensity = intensity;
  }

  /** Restarts currently inside the window (as of the last {@link record}). */
  get count(): number {
    return this.#times.length;
  }

  /**
   * Records one restart at `now` (ms). Returns `true` if the restart is allowed, `false` if it
   * makes more than `maxRestarts` restarts within the last `periodMs` (the supervisor must escalate;
   * the window is then cleared).
   */
  record(now: number): boolean {
    const times = this.#times;
    const horizon = now - this.#intensity.periodMs;
    let drop = 0;
    while (drop < times.length && (times[drop] as number) <= horizon) drop++;
    if (drop > 0) times.splice(0, drop);
    times.push(now);
    if (times.length > this.#intensity.maxRestarts) {
      this.#times = [];
      return false;
    }
    return true;
  }

  /** Forgets every recorded restart. */
  reset(): void {
    this.#times = [];
  }
}

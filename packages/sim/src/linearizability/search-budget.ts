import type { Clock } from '@shn/core';

/**
 * A deadline on `clock.monotonic()`, polled cheaply: {@link SearchBudget.exhausted} reads the
 * clock only every `pollEvery` calls. `Infinity` milliseconds means no deadline.
 * @internal
 */
export class SearchBudget {
  private readonly deadline: number;
  private countdown = 0;
  private spent = false;

  constructor(
    private readonly clock: Clock,
    timeoutMs: number,
    private readonly pollEvery = 256,
  ) {
    this.deadline = timeoutMs === Infinity ? Infinity : clock.monotonic() + timeoutMs;
  }

  /** True once the deadline has passed (sticky). Reads the clock every `pollEvery` calls. */
  exhausted(): boolean {
    if (this.spent) return true;
    if (this.deadline === Infinity) return false;
    if (this.countdown-- > 0) return false;
    this.countdown = this.pollEvery - 1;
    if (this.clock.monotonic() >= this.deadline) this.spent = true;
    return this.spent;
  }

  /** Reads the clock now (not rate-limited): true if the deadline has passed. */
  exhaustedNow(): boolean {
    if (this.spent) return true;
    if (this.deadline === Infinity) return false;
    if (this.clock.monotonic() >= this.deadline) this.spent = true;
    return this.spent;
  }
}

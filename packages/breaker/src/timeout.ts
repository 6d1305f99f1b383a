import { ShnError, hasCode, systemClock, systemTimer } from '@shn/core';
import type { Clock, Timer } from '@shn/core';
import { checkMs, checkObject } from './option-checks.js';
import type { CallContext, Policy, PolicyNext } from './policy.js';

/** Options of {@link timeoutPolicy}. */
export interface TimeoutOptions {
  /** The longest one attempt may take, ms, finite > 0 (required). */
  readonly ms: number;
  /** [systemTimer] */
  readonly timer?: Timer;
  /** [systemClock]; deadlines are compared with `now()`. */
  readonly clock?: Clock;
}

/** Timers of the policy and of the runtime may fire this far apart for the same deadline, ms. */
const DEADLINE_SLACK_MS = 5;

/**
 * Bounds each call by `ms` AND by the call's deadline, whichever comes first. The inner policies
 * and the call see the tighter deadline in `ctx.deadline` (the ask middleware writes it into the
 * envelope, so the destination drops work nobody waits for). When it fires the call is abandoned
 * (it may still finish; its result is dropped) and the policy rejects with ShnError `TIMEOUT`, or
 * `DEADLINE_EXCEEDED` if the caller's deadline was the tighter bound. A deadline already past
 * rejects with `DEADLINE_EXCEEDED` without calling. One timer per call in flight, cleared on settle.
 */
export class TimeoutPolicy implements Policy {
  /** The policy name, for diagnostics. */
  readonly name = 'timeout';
  /** The per-attempt bound, ms. */
  readonly ms: number;
  readonly #timer: Timer;
  readonly #clock: Clock;

  /** @internal Use {@link timeoutPolicy}. */
  constructor(ms: number, timer: Timer, clock: Clock) {
    this.ms = ms;
    this.#timer = timer;
    this.#clock = clock;
  }

  /** Runs `next` with the tighter deadline; rejects with `TIMEOUT` or `DEADLINE_EXCEEDED` when it passes first. */
  execute<T>(ctx: CallContext, next: PolicyNext<T>): Promise<T> {
    const now = this.#clock.now();
    const own = now + this.ms;
    const byDeadline = ctx.deadline !== undefined && ctx.deadline <= own;
    const deadline = byDeadline ? (ctx.deadline as number) : own;
    const remaining = deadline - now;
    if (remaining <= 0) {
      return Promise.reject(
        new ShnError('DEADLINE_EXCEEDED', `deadline of the call to ${ctx.destination} passed before it started`, {
          details: { destination: ctx.destination },
        }),
      );
    }
    const expired = (cause?: unknown): ShnError =>
      byDeadline
        ? new ShnError('DEADLINE_EXCEEDED', `call to ${ctx.destination} did not finish before its deadline (${Math.round(remaining)} ms)`, {
            details: { destination: ctx.destination, ms: remaining },
            ...(cause === undefined ? {} : { cause }),
          })
        : new ShnError('TIMEOUT', `call to ${ctx.destination} did not finish within ${this.ms} ms`, {
            details: { destination: ctx.destination, ms: this.ms },
            ...(cause === undefined ? {} : { cause }),
          });
    return new Promise<T>((resolve, reject) => {
      let done = false;
      const handle = this.#timer.setTimeout(() => {
        if (done) return;
        done = true;
        reject(expired());
      }, remaining);
      let inner: Promise<T>;
      try {
        inner = next(byDeadline ? ctx : { destination: ctx.destination, deadline, retryable: ctx.retryable, attempt: ctx.attempt });
      } catch (e) {
        inner = Promise.reject(e);
      }
      inner.then(
        (v) => {
          if (done) return;
          done = true;
          this.#timer.clearTimeout(handle);
          resolve(v);
        },
        (e: unknown) => {
          if (done) return;
          done = true;
          this.#timer.clearTimeout(handle);
          // The runtime enforces the deadline this policy wrote into the envelope too; when it gets
          // there first (timer order under load), the failure is still this policy's timeout.
          const ranOut = (hasCode(e, 'TIMEOUT') || hasCode(e, 'DEADLINE_EXCEEDED')) && this.#clock.now() >= deadline - DEADLINE_SLACK_MS;
          reject(ranOut ? expired(e) : e);
        },
      );
    });
  }
}

/**
 * A per-attempt timeout that also respects the call's deadline; see {@link TimeoutPolicy}.
 * @throws ShnError `INVALID_ARGUMENT` unless `ms` is a finite number > 0.
 */
export function timeoutPolicy(options: TimeoutOptions | number): TimeoutPolicy {
  const o = typeof options === 'number' ? { ms: options } : checkObject<TimeoutOptions>('timeout options', options);
  return new TimeoutPolicy(checkMs('timeout ms', o.ms), o.timer ?? systemTimer, o.clock ?? systemClock);
}

import { isThenable, ShnError, systemClock, systemTimer } from '@shn/core';
import type { Clock, Envelope, Middleware, Next, Rng, Timer } from '@shn/core';
import { resolveChaosRules, ruleMatches } from './chaos-rule.js';
import type { ChaosHook, ChaosRule, ResolvedChaosRule } from './chaos-rule.js';
import { ChaosCounters } from './chaos-stats.js';
import type { ChaosStats } from './chaos-stats.js';
import { sampleLatency } from './latency-distribution.js';

/** Time and randomness for {@link chaosMiddleware}. */
export interface ChaosMiddlewareOptions {
  /** Decides which matching envelopes are affected and draws delays. Use `seededRng(seed)` for reproducible decisions. */
  readonly rng: Rng;
  readonly clock?: Clock;
  readonly timer?: Timer;
  /**
   * How long a dropped ask without a deadline waits before rejecting with `TIMEOUT`, ms
   * (default 30 000, the runtime's default ask timeout). Asks sent with `timeoutMs` carry a
   * deadline and reject when it passes instead.
   */
  readonly dropAskTimeoutMs?: number;
  /** Starts enabled (default true). */
  readonly enabled?: boolean;
  /** A name for the middleware (default `chaos`). */
  readonly name?: string;
}

/** A chaos {@link Middleware} with its counters and an on/off switch. */
export interface ChaosMiddleware extends Middleware {
  /** What this instance (this thread) did so far. */
  stats(): ChaosStats;
  /** Turns injection on or off; while off every hook passes through and draws nothing. */
  setEnabled(enabled: boolean): void;
  readonly enabled: boolean;
}

interface Decision {
  drop: boolean;
  error: ShnError | undefined;
  delayMs: number;
  copies: number;
}

const PASS: Decision = Object.freeze({ drop: false, error: undefined, delayMs: 0, copies: 0 }) as Decision;

/**
 * A Middleware that injects latency, drops, duplicates and errors by rule. It uses only the
 * Middleware contract of `@shn/core`, so it works with any runtime that runs middleware.
 *
 * Rules are evaluated in order for every envelope in every hook they act in. Each rule that
 * matches draws one number from `rng` to decide whether it fires (and latency draws its delay),
 * so the same envelope sequence with the same seed gives the same decisions. Delays of firing
 * rules add up and duplicate copies add up; the first `drop` or `error` that fires ends the
 * evaluation.
 *
 * What callers see:
 * - **send (tell)**: a drop returns `'accepted'` like a lost packet (counted in `dropped`); a
 *   delay returns `'accepted'` at once and sends later (a later refusal counts as
 *   `lateRefused`); duplicates send the same envelope again; an error throws from `tell`.
 * - **ask**: a drop never reaches the target; the returned promise rejects with `TIMEOUT` when
 *   the ask's deadline passes (the caller's `timeoutMs`), or after `dropAskTimeoutMs` without
 *   one. A delay postpones the send. An error rejects the ask with that code.
 * - **receive**: a delay makes the actor wait before handling (it handles nothing else
 *   meanwhile); duplicates run the handler again after the original (the reply is the
 *   original's); a drop skips a tell, but an ask cannot be dropped here (its reply is owed) and
 *   is counted in `spared`; an error is thrown from the handler, which a runtime treats as an
 *   actor crash (`@shn/core-mailbox` restarts the actor and loses its state).
 *
 * In `@shn/core-mailbox` the middleware is declared in the system module, which every thread
 * imports: each thread gets its own instance, rng and counters.
 *
 * @throws ShnError `INVALID_ARGUMENT` for invalid rules or options (see {@link resolveChaosRules}).
 */
export function chaosMiddleware(rules: readonly ChaosRule[] | readonly ResolvedChaosRule[], options: ChaosMiddlewareOptions): ChaosMiddleware {
  if (!Array.isArray(rules)) throw new ShnError('INVALID_ARGUMENT', 'chaosMiddleware: rules must be an array of chaos rules');
  const resolved = rules.every(isResolved) ? (rules as readonly ResolvedChaosRule[]) : resolveChaosRules(rules);
  if (typeof options?.rng?.next !== 'function') throw new ShnError('INVALID_ARGUMENT', 'chaosMiddleware needs { rng }');
  const rng = options.rng;
  const clock = options.clock ?? systemClock;
  const timer = options.timer ?? systemTimer;
  const dropAskTimeoutMs = options.dropAskTimeoutMs ?? 30_000;
  if (!(dropAskTimeoutMs > 0) || !Number.isFinite(dropAskTimeoutMs)) {
    throw new ShnError('INVALID_ARGUMENT', `dropAskTimeoutMs must be a finite number > 0, got ${String(dropAskTimeoutMs)}`);
  }
  const counters = new ChaosCounters();
  let enabled = options.enabled ?? true;

  const decide = (hook: ChaosHook, env: Envelope): Decision => {
    if (!enabled) return PASS;
    counters.seen++;
    let d: Decision | undefined;
    for (const rule of resolved) {
      if (!ruleMatches(rule, hook, env)) continue;
      const draw = rng.next();
      if (!(draw < rule.probability)) continue;
      const a = rule.action;
      if (a.kind === 'drop' && hook === 'receive' && env.correlationId !== undefined) {
        counters.spared++;
        continue;
      }
      counters.fired(rule.name);
      d ??= { drop: false, error: undefined, delayMs: 0, copies: 0 };
      if (a.kind === 'latency') {
        d.delayMs += sampleLatency(a.delay, rng);
      } else if (a.kind === 'duplicate') {
        d.copies += a.copies ?? 1;
      } else if (a.kind === 'drop') {
        d.drop = true;
        break;
      } else {
        d.error = new ShnError(a.code, a.message ?? `chaos: rule ${rule.name} injected ${a.code} into ${hook} of ${env.type} to ${env.to.actor}`);
        break;
      }
    }
    if (d === undefined) return PASS;
    if (d.error !== undefined) counters.errored++;
    else if (d.drop) counters.dropped++;
    else {
      if (d.delayMs > 0) {
        counters.delayed++;
        counters.delayTotalMs += d.delayMs;
      }
      counters.duplicated += d.copies;
    }
    return d;
  };

  const send = (env: Envelope, next: Next<'accepted' | 'full' | 'closed'>): 'accepted' | 'full' | 'closed' => {
    const d = decide('send', env);
    if (d === PASS) return next(env);
    if (d.error !== undefined) throw d.error;
    if (d.drop) return 'accepted';
    const fire = (): 'accepted' | 'full' | 'closed' => {
      const r = next(env);
      for (let i = 0; i < d.copies; i++) next(env);
      return r;
    };
    if (d.delayMs <= 0) return fire();
    timer.setTimeout(() => {
      try {
        if (fire() !== 'accepted') counters.lateRefused++;
      } catch {
        counters.lateRefused++;
      }
    }, d.delayMs);
    return 'accepted';
  };

  const ask = (env: Envelope, next: Next<Promise<unknown>>): Promise<unknown> => {
    const d = decide('ask', env);
    if (d === PASS) return next(env);
    if (d.error !== undefined) return Promise.reject(d.error);
    if (d.drop) {
      const waitMs = env.deadline === undefined ? dropAskTimeoutMs : Math.max(0, env.deadline - clock.now());
      return new Promise((_, reject) => {
        timer.setTimeout(() => {
          reject(new ShnError('TIMEOUT', `ask ${env.type} to ${env.to.actor} got no reply within ${Math.round(waitMs)} ms (dropped by chaos)`));
        }, waitMs);
      });
    }
    if (d.delayMs <= 0) return next(env);
    return new Promise((resolve) => {
      timer.setTimeout(() => resolve(Promise.resolve().then(() => next(env))), d.delayMs);
    });
  };

  const receive = (env: Envelope, next: Next<unknown>): unknown => {
    const d = decide('receive', env);
    if (d === PASS) return next(env);
    if (d.error !== undefined) throw d.error;
    if (d.drop) return undefined;
    const run = (): unknown => {
      const first = next(env);
      if (d.copies === 0) return first;
      if (!isThenable(first)) {
        for (let i = 0; i < d.copies; i++) {
          const extra = next(env);
          if (isThenable(extra)) return Promise.resolve(extra).then(() => runCopies(d.copies - i - 1)).then(() => first);
        }
        return first;
      }
      return Promise.resolve(first).then(async (value) => {
        await runCopies(d.copies);
        return value;
      });
    };
    const runCopies = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) await next(env);
    };
    if (d.delayMs <= 0) return run();
    return new Promise((resolve) => {
      timer.setTimeout(() => resolve(Promise.resolve().then(run)), d.delayMs);
    });
  };

  return {
    name: options.name ?? 'chaos',
    send,
    ask,
    receive,
    stats: () => counters.snapshot(),
    setEnabled: (on: boolean) => {
      enabled = on;
    },
    get enabled() {
      return enabled;
    },
  };
}

function isResolved(r: ChaosRule | ResolvedChaosRule): r is ResolvedChaosRule {
  return typeof r === 'object' && r !== null && (r as ResolvedChaosRule).hooks instanceof Set;
}

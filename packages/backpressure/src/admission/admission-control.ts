import { ShnError, systemClock } from '@shn/core';
import type { Clock } from '@shn/core';
import { AimdLimit } from '../limits/aimd-limit.js';
import type { AimdLimitOptions } from '../limits/aimd-limit.js';
import { ConcurrencyLimiter } from '../limits/concurrency-limiter.js';
import type { LimiterTicket } from '../limits/concurrency-limiter.js';
import { FixedLimit } from '../limits/fixed-limit.js';
import { Gradient2Limit } from '../limits/gradient2-limit.js';
import type { Gradient2LimitOptions } from '../limits/gradient2-limit.js';
import type { LimitAlgorithm } from '../limits/limit-algorithm.js';
import { WindowedLimit } from '../limits/windowed-limit.js';
import type { WindowedLimitOptions } from '../limits/windowed-limit.js';
import { checkPositive, invalid } from '../option-checks.js';
import { TokenBucket } from '../rate/token-bucket.js';

/** The per-connection stage of an {@link AdmissionControl}. */
export interface PerConnectionOptions {
  readonly ratePerSec: number;
  readonly burst: number;
  readonly busyRatePerSec?: number;
}

/** The global concurrency limit of an {@link AdmissionControl}. */
export type ConcurrencyOption =
  | ({ readonly algorithm: 'gradient2' } & Gradient2LimitOptions)
  | ({ readonly algorithm: 'aimd' } & AimdLimitOptions)
  | { readonly algorithm: 'fixed'; readonly limit: number }
  | { readonly algorithm: 'custom'; readonly limit: LimitAlgorithm };

/** Options of {@link AdmissionControl}. Both stages are optional; with neither, everything is admitted (and counted). */
export interface AdmissionOptions {
  /**
   * A token bucket per connection: `ratePerSec` requests per second, bursts up to `burst`.
   * `busyRatePerSec` (default = `ratePerSec`, burst alike) bounds the refusals a connection gets
   * answered per second; past it, a refusal carries `pauseMs` so the server stops reading that
   * connection for a while and TCP backpressure holds the rest (a flood costs the server at most
   * `ratePerSec + busyRatePerSec` parsed commands per second per connection).
   */
  readonly perConnection?: PerConnectionOptions | undefined;
  /** A limit on requests in flight across every connection; `gradient2` adapts to latency. */
  readonly concurrency?: ConcurrencyOption | undefined;
  /** Priority shedding on the global limit; see {@link ConcurrencyLimiter} (default 1: none). */
  readonly lowestPriorityShare?: number;
  /**
   * Sampling of `gradient2` and `aimd`: one aggregate sample per window (Netflix's `WindowedLimit`).
   * Default `{ minWindowMs: 100, maxWindowMs: 1000, windowSize: 10 }` (Netflix's is 1 s: a server
   * should react to overload faster); `false` feeds every request's RTT directly.
   */
  readonly window?: Omit<WindowedLimitOptions, 'clock'> | false;
  /** `pauseMs` of a refusal by the global limit once a connection's BUSY budget is spent (default 5). */
  readonly overloadPauseMs?: number;
  readonly clock?: Clock;
}

/** Counters of an {@link AdmissionControl} (all connections). */
export interface AdmissionCounters {
  admitted: number;
  /** Refused by a connection's token bucket (`RATE_LIMITED`). */
  rateLimited: number;
  /** Refused by the global concurrency limit (`OVERLOADED`). */
  shed: number;
  /** Admitted requests that ended. */
  completed: number;
  /** Refusals that asked the connection to pause reading (its BUSY budget was spent). */
  paused: number;
}

/** How an admitted request ended. */
export type AdmissionOutcome = 'success' | 'dropped' | 'ignore';

/** The answer of {@link ConnectionAdmission.admit}. */
export type Admission =
  | {
      readonly admitted: true;
      /** Call once when the request has been answered (later calls are ignored). */
      done(outcome?: AdmissionOutcome): void;
    }
  | {
      readonly admitted: false;
      /**
       * `RATE_LIMITED` or `OVERLOADED`, with the limit in its message and details. Built on first
       * read (a server answering a flood with `reply` never pays for the error's stack capture).
       */
      readonly error: ShnError;
      /** The RESP error line to send, without `-` and CRLF: `BUSY ...`. */
      readonly reply: string;
      /**
       * 0, or how long to stop reading this connection, ms: it has used its BUSY budget, so further
       * refusals would cost more than TCP backpressure. Answer this one, then pause the socket.
       */
      readonly pauseMs: number;
    };

/** A refusal whose `ShnError` is built when first read, once. */
function refusal(code: 'RATE_LIMITED' | 'OVERLOADED', message: string, details: Record<string, number>, pauseMs: number): Admission {
  let error: ShnError | undefined;
  return {
    admitted: false,
    get error(): ShnError {
      return (error ??= new ShnError(code, message, { details }));
    },
    reply: `BUSY ${message}`,
    pauseMs,
  };
}

const NO_TICKET: LimiterTicket = { success() {}, ignore() {}, dropped() {} };

function makeLimit(c: ConcurrencyOption): LimitAlgorithm {
  switch (c.algorithm) {
    case 'gradient2': {
      const { algorithm: _a, ...o } = c;
      return new Gradient2Limit(o);
    }
    case 'aimd': {
      const { algorithm: _a, ...o } = c;
      return new AimdLimit(o);
    }
    case 'fixed':
      return new FixedLimit(c.limit);
    case 'custom':
      return c.limit;
    default:
      throw invalid('concurrency.algorithm', "'gradient2', 'aimd', 'fixed' or 'custom'", (c as { algorithm?: unknown }).algorithm);
  }
}

/**
 * Admission control for a server: a token bucket per connection (a client cannot take more than
 * its rate) in front of one adaptive concurrency limiter for the whole server (the server takes no
 * more than it can serve at good latency). A refused request gets a typed error and a RESP `BUSY`
 * line to answer with immediately, so excess load costs one short reply instead of queue memory.
 * Single-threaded (one event loop), O(1) per request.
 */
export class AdmissionControl {
  readonly counters: AdmissionCounters = { admitted: 0, rateLimited: 0, shed: 0, completed: 0, paused: 0 };
  readonly #perConnection: PerConnectionOptions | undefined;
  readonly #overloadPauseMs: number;
  readonly #limiter: ConcurrencyLimiter | undefined;
  readonly #clock: Clock;

  /** @throws ShnError `INVALID_ARGUMENT` for bad options (negative rates, zero bursts, bad limits). */
  constructor(options: AdmissionOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#perConnection = options.perConnection;
    if (this.#perConnection !== undefined) this.#buckets();
    this.#overloadPauseMs = checkPositive('overloadPauseMs', options.overloadPauseMs ?? 5);
    let limit: LimitAlgorithm | undefined;
    if (options.concurrency !== undefined) {
      limit = makeLimit(options.concurrency);
      const adaptive = options.concurrency.algorithm === 'gradient2' || options.concurrency.algorithm === 'aimd';
      if (adaptive && options.window !== false) {
        limit = new WindowedLimit(limit, { minWindowMs: 100, maxWindowMs: 1000, windowSize: 10, ...(options.window ?? {}), clock: this.#clock });
      }
    }
    this.#limiter =
      limit === undefined
        ? undefined
        : new ConcurrencyLimiter({
            limit,
            clock: this.#clock,
            ...(options.lowestPriorityShare === undefined ? {} : { lowestPriorityShare: options.lowestPriorityShare }),
          });
  }

  /** The global limit now (`Infinity` without one). */
  get limit(): number {
    return this.#limiter?.limit ?? Infinity;
  }

  /** Admitted requests in flight. */
  get inflight(): number {
    return this.counters.admitted - this.counters.completed;
  }

  /** A gate for one new connection (its own token bucket). Drop it with the connection. */
  connection(): ConnectionAdmission {
    const b = this.#perConnection === undefined ? undefined : this.#buckets();
    return new ConnectionAdmission(this, b?.requests, b?.busy);
  }

  #buckets(): { requests: TokenBucket; busy: TokenBucket } {
    const o = this.#perConnection as PerConnectionOptions;
    const requests = new TokenBucket({ ratePerSec: o.ratePerSec, burst: o.burst, clock: this.#clock });
    const busyRate = o.busyRatePerSec ?? o.ratePerSec;
    const busy = new TokenBucket({ ratePerSec: busyRate, burst: Math.max(1, Math.min(o.burst, busyRate)), clock: this.#clock });
    return { requests, busy };
  }

  /** @internal */
  decide(bucket: TokenBucket | undefined, busy: TokenBucket | undefined, priority: number): Admission {
    if (bucket !== undefined && !bucket.tryAcquire()) {
      this.counters.rateLimited++;
      const retry = Math.ceil(bucket.msUntil());
      const { ratePerSec, burst } = bucket;
      const message = `rate limit of ${ratePerSec} requests/s per connection (burst ${burst}) exceeded; retry in ${retry} ms`;
      const pauseMs = busy === undefined || busy.tryAcquire() ? 0 : Math.max(1, retry);
      if (pauseMs > 0) this.counters.paused++;
      return refusal('RATE_LIMITED', message, { ratePerSec, burst, retryAfterMs: retry }, pauseMs);
    }
    let ticket = NO_TICKET;
    if (this.#limiter !== undefined) {
      const t = this.#limiter.tryAcquire(priority);
      if (t === undefined) {
        this.counters.shed++;
        const limit = this.#limiter.limit;
        const inflight = this.#limiter.inflight;
        const pauseMs = busy === undefined || busy.tryAcquire() ? 0 : this.#overloadPauseMs;
        if (pauseMs > 0) this.counters.paused++;
        return refusal('OVERLOADED', `server overloaded: ${inflight} requests in flight, limit ${limit}`, { inflight, limit }, pauseMs);
      }
      ticket = t;
    }
    this.counters.admitted++;
    let open = true;
    return {
      admitted: true,
      done: (outcome: AdmissionOutcome = 'success') => {
        if (!open) return;
        open = false;
        this.counters.completed++;
        if (outcome === 'success') ticket.success();
        else if (outcome === 'dropped') ticket.dropped();
        else ticket.ignore();
      },
    };
  }
}

/** The admission gate of one connection; see {@link AdmissionControl.connection}. */
export class ConnectionAdmission {
  /** @internal */
  constructor(
    private readonly control: AdmissionControl,
    private readonly bucket: TokenBucket | undefined,
    private readonly busy: TokenBucket | undefined,
  ) {}

  /**
   * Decides on one request of `priority` (0..255, default 255: never shed by priority). On
   * `admitted: true` call `done()` once the reply is written; otherwise answer `-${reply}`, and if
   * `pauseMs > 0` stop reading this connection for that long.
   */
  admit(priority = 255): Admission {
    return this.control.decide(this.bucket, this.busy, priority);
  }
}

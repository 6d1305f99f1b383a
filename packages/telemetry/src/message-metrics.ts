import { ShnError, checkInt, isShnError, isThenable, systemClock } from '@shn/core';
import type { Clock, Envelope, Middleware, Next, ReceiveHook } from '@shn/core';
import type { Registry } from 'prom-client';
import { KindCache } from './actor-kind-of.js';
import { DEFAULT_SECONDS_BUCKETS, checkBuckets } from './buckets.js';
import { HotCounter } from './hot-counter.js';
import type { CounterCell } from './hot-counter.js';
import { HotHistogram } from './hot-histogram.js';
import type { HistogramCell } from './hot-histogram.js';

/** Options of {@link createMetricsMiddleware}. */
export interface MessageMetricsOptions {
  /** The registry of THIS thread (each shard has its own; the main thread merges them on scrape). */
  readonly registry: Registry;
  /** Histogram upper bounds in seconds (default {@link DEFAULT_SECONDS_BUCKETS}). */
  readonly buckets?: readonly number[];
  /** Distinct actor kinds labelled before the rest are counted as `other` (default 128). */
  readonly maxKinds?: number;
  /** Kinds not counted (default `['shn.telemetry']`: scrapes do not count themselves). */
  readonly ignoreKinds?: readonly string[];
  /** Time source for processing and ask durations (default systemClock). */
  readonly clock?: Clock;
  /**
   * Time one received message in `timeEvery` per kind and thread: the 1st, the N+1st, the
   * 2N+1st, … (default {@link DEFAULT_TIME_EVERY}, 16; 1 times every message). The two clock
   * reads are the costliest part of the metrics; counters stay exact either way, and the
   * processing histogram's `_count` is exactly `ceil(received / timeEvery)` per kind and thread.
   */
  readonly timeEvery?: number;
}

/** Default {@link MessageMetricsOptions.timeEvery}: one received message in 16 is timed. */
export const DEFAULT_TIME_EVERY = 16;

/** The metric names this middleware registers. */
export const MESSAGE_METRICS = Object.freeze({
  sent: 'shn_messages_sent_total',
  refused: 'shn_messages_refused_total',
  received: 'shn_messages_received_total',
  failed: 'shn_messages_failed_total',
  processing: 'shn_message_processing_seconds',
  ask: 'shn_ask_duration_seconds',
  askTimeouts: 'shn_ask_timeouts_total',
});

interface KindCells {
  readonly tell: CounterCell;
  readonly ask: CounterCell;
  readonly received: CounterCell;
  readonly processing: HistogramCell;
  readonly askDuration: HistogramCell;
  readonly askTimeouts: CounterCell;
  readonly full: CounterCell;
  readonly closed: CounterCell;
  /** Messages until the next timed one. */
  untilTimed: number;
}

/** Ask failures that mean the ask was never delivered, as `reason` label values. */
const REFUSALS: Readonly<Record<string, string>> = Object.freeze({ MAILBOX_FULL: 'full', RUNTIME_CLOSED: 'closed', ENCODE_FAILED: 'encode_failed', MESSAGE_TOO_LARGE: 'too_large' });

function errorCode(e: unknown): string {
  return isShnError(e) ? e.code : 'ACTOR_FAILED';
}

/**
 * Message metrics as core middleware, counted in plain per-kind cells of this thread's registry
 * (no label hashing, no message between threads):
 *
 * - `shn_messages_sent_total{kind,operation}`: tells and asks this thread sent, by destination kind
 *   (tells through the `sent` observer hook, so the runtime keeps its envelope-free tell path);
 * - `shn_messages_refused_total{kind,reason}`: tells refused (`full`, `closed`) or asks that failed to send;
 * - `shn_messages_received_total{kind}` and `shn_messages_failed_total{kind,code}`: deliveries to
 *   this thread's actors, and those whose `receive` threw or rejected (code: the ShnError code);
 * - `shn_message_processing_seconds{kind}`: time in `receive` (until its promise settles), for 1
 *   message in `timeEvery` (16) per kind;
 * - `shn_ask_duration_seconds{kind}` and `shn_ask_timeouts_total{kind}`: round trips from this thread.
 *
 * The main thread's merge adds the `shard` label.
 * @throws ShnError `INVALID_ARGUMENT` for bad options or if the names are already registered.
 */
export function createMetricsMiddleware(options: MessageMetricsOptions): Middleware {
  if (typeof options !== 'object' || options === null || typeof options.registry?.registerMetric !== 'function') {
    throw new ShnError('INVALID_ARGUMENT', 'metrics options need { registry } (a prom-client Registry)');
  }
  const { registry, maxKinds = 128, ignoreKinds = ['shn.telemetry'], clock = systemClock, timeEvery = DEFAULT_TIME_EVERY } = options;
  checkInt('metrics: timeEvery', timeEvery, 1, 1_000_000);
  const buckets = checkBuckets(options.buckets ?? DEFAULT_SECONDS_BUCKETS, 'metrics');
  if (!Number.isInteger(maxKinds) || maxKinds < 1 || maxKinds > 10_000) {
    throw new ShnError('INVALID_ARGUMENT', `metrics: maxKinds must be an integer in [1, 10000], got ${String(maxKinds)}`);
  }
  if (!Array.isArray(ignoreKinds)) throw new ShnError('INVALID_ARGUMENT', 'metrics: ignoreKinds must be an array of kind names');
  if (typeof clock?.monotonic !== 'function') throw new ShnError('INVALID_ARGUMENT', 'metrics: clock must have monotonic()');
  const existing = Object.values(MESSAGE_METRICS).find((n) => registry.getSingleMetric(n) !== undefined);
  if (existing !== undefined) throw new ShnError('INVALID_ARGUMENT', `metrics: ${existing} is already registered in this registry (one metrics middleware per registry)`);

  const sent = new HotCounter(registry, MESSAGE_METRICS.sent, 'Messages sent by this thread, by destination actor kind and operation (tell, ask).', ['kind', 'operation'], maxKinds * 2);
  const refused = new HotCounter(registry, MESSAGE_METRICS.refused, 'Messages that could not be sent: mailbox full, runtime closed, or the ask failed before it was sent.', ['kind', 'reason'], maxKinds * 4);
  const received = new HotCounter(registry, MESSAGE_METRICS.received, 'Messages delivered to actors of this shard, by actor kind.', ['kind'], maxKinds);
  const failed = new HotCounter(registry, MESSAGE_METRICS.failed, 'Messages whose receive threw or rejected, by actor kind and ShnError code.', ['kind', 'code'], maxKinds * 8);
  const processing = new HotHistogram(registry, MESSAGE_METRICS.processing, `Time an actor spent handling one message (until its promise settled), seconds; sampled: 1 message in ${timeEvery} per kind is timed (_count = ceil(received / ${timeEvery})).`, ['kind'], buckets, maxKinds);
  const askDuration = new HotHistogram(registry, MESSAGE_METRICS.ask, 'Ask round-trip time from this thread, until the reply or error arrived, seconds.', ['kind'], buckets, maxKinds);
  const askTimeouts = new HotCounter(registry, MESSAGE_METRICS.askTimeouts, 'Asks from this thread that got no reply in time (TIMEOUT or DEADLINE_EXCEEDED).', ['kind'], maxKinds);

  const ignored = new Set(ignoreKinds);
  const byKind = new Map<string, KindCells | null>();
  const names = new KindCache();
  let lastKind = '';
  let last: KindCells | null = null;

  const cellsOfKind = (kind: string): KindCells | null => {
    if (kind === lastKind) return last;
    let c = byKind.get(kind);
    if (c === undefined) {
      const label = byKind.size >= maxKinds ? 'other' : kind;
      c = ignored.has(kind)
        ? null
        : {
            tell: sent.cell(label, 'tell'),
            ask: sent.cell(label, 'ask'),
            received: received.cell(label),
            processing: processing.cell(label),
            askDuration: askDuration.cell(label),
            askTimeouts: askTimeouts.cell(label),
            full: refused.cell(label, 'full'),
            closed: refused.cell(label, 'closed'),
            untilTimed: 0,
          };
      if (byKind.size < maxKinds || c === null) byKind.set(kind, c);
    }
    lastKind = kind;
    last = c;
    return c;
  };
  const cellsOf = (actor: string): KindCells | null => cellsOfKind(names.of(actor));
  const kindLabel = (actor: string): string => {
    const kind = names.of(actor);
    return byKind.has(kind) ? kind : 'other';
  };

  /** A delivery that is timed (1 in `timeEvery` per kind): two clock reads and one observation. */
  const timedReceive = (c: KindCells, label: string, env: Envelope, next: Next<unknown>): unknown => {
    c.untilTimed = timeEvery - 1;
    const t0 = clock.monotonic();
    let r: unknown;
    try {
      r = next(env);
    } catch (e) {
      c.processing.observe((clock.monotonic() - t0) / 1000);
      failed.cell(label, errorCode(e)).value++;
      throw e;
    }
    if (!isThenable(r)) {
      c.processing.observe((clock.monotonic() - t0) / 1000);
      return r;
    }
    (r as PromiseLike<unknown>).then(
      () => c.processing.observe((clock.monotonic() - t0) / 1000),
      (e: unknown) => {
        c.processing.observe((clock.monotonic() - t0) / 1000);
        failed.cell(label, errorCode(e)).value++;
      },
    );
    return r;
  };

  /**
   * One delivery to an actor of a counted kind: counted, timed 1 in `timeEvery`, failures counted
   * by code. `label` and `onReject` are the actor's when known in advance (`receiveFor`), else
   * made only on a failure.
   */
  const countedReceive = (c: KindCells, label: string | undefined, onReject: ((e: unknown) => void) | undefined, env: Envelope, next: Next<unknown>): unknown => {
    c.received.value++;
    if (c.untilTimed === 0) return timedReceive(c, label ?? kindLabel(env.to.actor), env, next);
    c.untilTimed--;
    let r: unknown;
    try {
      r = next(env);
    } catch (e) {
      failed.cell(label ?? kindLabel(env.to.actor), errorCode(e)).value++;
      throw e;
    }
    if (isThenable(r)) (r as PromiseLike<unknown>).then(undefined, onReject ?? ((e: unknown) => void failed.cell(kindLabel(env.to.actor), errorCode(e)).value++));
    return r;
  };

  return {
    name: 'shn.telemetry.metrics',

    // Tells are observed, not intercepted: the runtime keeps its envelope-free path for them.
    sent(actor: string, r: 'accepted' | 'full' | 'closed', kind?: string): void {
      // The runtime passes the kind when it has it (a tell by kind and id): no string work then.
      const c = kind === lastKind ? last : kind === undefined ? cellsOf(actor) : cellsOfKind(kind);
      if (c === null) return;
      if (r === 'accepted') c.tell.value++;
      else if (r === 'full') c.full.value++;
      else c.closed.value++;
    },

    ask(env: Envelope, next: Next<Promise<unknown>>): Promise<unknown> {
      const c = cellsOf(env.to.actor);
      if (c === null) return next(env);
      c.ask.value++;
      const t0 = clock.monotonic();
      return next(env).then(
        (v) => {
          c.askDuration.observe((clock.monotonic() - t0) / 1000);
          return v;
        },
        (e: unknown) => {
          c.askDuration.observe((clock.monotonic() - t0) / 1000);
          const code = errorCode(e);
          if (code === 'TIMEOUT' || code === 'DEADLINE_EXCEEDED') c.askTimeouts.value++;
          else if (code in REFUSALS) refused.cell(kindLabel(env.to.actor), REFUSALS[code] as string).value++;
          throw e;
        },
      );
    },

    // The runtime asks once per actor: its kind's cells are resolved here, so a delivery costs
    // two field updates and a call (ignored kinds get no hook at all).
    receiveFor(actor: string): ReceiveHook | null {
      const c = cellsOf(actor);
      if (c === null) return null;
      const label = kindLabel(actor);
      const countFailure = (e: unknown): void => {
        failed.cell(label, errorCode(e)).value++;
      };
      return (env, next) => countedReceive(c, label, countFailure, env, next);
    },

    receive(env: Envelope, next: Next<unknown>): unknown {
      const c = cellsOf(env.to.actor);
      return c === null ? next(env) : countedReceive(c, undefined, undefined, env, next);
    },
  };
}

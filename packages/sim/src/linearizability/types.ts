import type { Clock } from '@shn/core';

/**
 * One completed (or pending) operation of a concurrent history, as a client saw it.
 *
 * `call` and `return` are the invocation and response times in any one consistent unit
 * (milliseconds, nanoseconds, event indices...). Two operations overlap, and may be
 * linearized in either order, when neither returns strictly before the other is called; an
 * operation that returns at the very instant another is called counts as concurrent with it
 * (porcupine's rule). A `return` of `+Infinity` marks a pending operation (the client never
 * heard back): it may take effect at any point after its call, or never.
 */
export interface Operation<I = unknown, O = unknown> {
  /** Which client (process, thread) issued the operation; a safe integer. */
  readonly clientId: number;
  /** What the client asked for, interpreted by the {@link Model}. */
  readonly input: I;
  /** Invocation time; finite. */
  readonly call: number;
  /** What the client got back, interpreted by the {@link Model}; for a pending operation whatever the caller put there (`undefined` from {@link HistoryEvent}s). */
  readonly output: O;
  /** Response time; `>= call`, or `+Infinity` for a pending operation. */
  readonly return: number;
}

/**
 * One event of a history in log form: a call or a return, matched by `id`. Every `return`
 * must follow the `call` with the same `id` (in array order and in time); a `call` without a
 * `return` is a pending operation (its return time is `+Infinity`, its output `undefined`).
 */
export type HistoryEvent =
  | { kind: 'call'; clientId: number; id: number; input: unknown; time: number }
  | { kind: 'return'; clientId: number; id: number; output: unknown; time: number };

/**
 * A sequential specification: what a single-copy, atomic object would do.
 *
 * `step` must be pure: it never mutates `state` and returns a fresh state when the operation
 * changes it. `ok: false` means "this output is impossible from this state".
 */
export interface Model<S, I, O> {
  /** The initial state. */
  init(): S;
  /** Applies `input` to `state`; `ok` tells whether `output` is what the object could have answered. */
  step(state: S, input: I, output: O): { ok: boolean; state: S };
  /**
   * Splits a history into independent sub-histories (P-compositionality: e.g. one per key).
   * The whole history is linearizable iff every part is. Omit to check the history as one.
   * May throw ShnError `INVALID_ARGUMENT` for operations the model does not understand.
   */
  partition?(ops: Operation<I, O>[]): Operation<I, O>[][];
  /** State equality for the search cache; default: structural equality of plain data, Maps and Sets. */
  equal?(a: S, b: S): boolean;
  /** A string that is equal for equal states (used to bucket the cache); default: a stable structural encoding. */
  hash?(s: S): string;
  /** A short human-readable form of one operation, used by {@link formatHistory}. */
  describe?(input: I, output: O): string;
}

/** The verdict of a linearizability check. */
export type CheckResult =
  | { outcome: 'ok' }
  | {
      outcome: 'illegal';
      /**
       * A 1-minimal failing sub-history of the part that failed, sorted by call time. It is
       * always illegal. When the failure is one of real-time order (the part would be
       * linearizable if all its operations overlapped), it keeps that property too, so a stale
       * read comes with the writes it contradicts; removing any one operation then makes it
       * legal or order-independent. Otherwise removing any one operation makes it
       * linearizable. If the budget ran out while shrinking it is smaller but not minimal,
       * and `explanation` says so.
       */
      minimal: Operation[];
      /** A readable report: which part failed and an ASCII timeline of `minimal`. */
      explanation: string;
    }
  | { outcome: 'unknown'; reason: string };

/** Options of {@link checkOperations} / {@link checkEvents}. */
export interface CheckOptions {
  /**
   * Time budget for the whole check, in milliseconds (measured with `clock.monotonic()`),
   * shrinking included. When it runs out before a verdict the outcome is `unknown`. Default:
   * no budget. Must be a number `>= 0`.
   */
  timeoutMs?: number;
  /** Where time comes from; default `systemClock` from `@shn/core`. */
  clock?: Clock;
  /** Shrink an illegal history to a 1-minimal failing sub-history; default `true`. */
  minimize?: boolean;
}

import { ShnError, systemClock } from '@shn/core';
import type { Clock } from '@shn/core';
import { formatHistory } from './format-history.js';
import { eventsToOperations, validateModel, validateOperations } from './history-validation.js';
import { shrinkIllegal } from './minimal-failing-history.js';
import { SearchBudget } from './search-budget.js';
import type { CheckOptions, CheckResult, HistoryEvent, Model, Operation } from './types.js';
import { searchLinearization } from './wing-gong-search.js';

function readOptions(options: CheckOptions | undefined): { clock: Clock; timeoutMs: number; minimize: boolean } {
  if (options === undefined) return { clock: systemClock, timeoutMs: Infinity, minimize: true };
  if (typeof options !== 'object' || options === null) throw new ShnError('INVALID_ARGUMENT', 'linearizability: options must be an object');
  const timeoutMs = options.timeoutMs ?? Infinity;
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0) {
    throw new ShnError('INVALID_ARGUMENT', `linearizability: timeoutMs must be a number >= 0, got ${String(options.timeoutMs)}`);
  }
  const clock = options.clock ?? systemClock;
  if (typeof clock !== 'object' || clock === null || typeof clock.monotonic !== 'function') {
    throw new ShnError('INVALID_ARGUMENT', 'linearizability: clock must implement monotonic()');
  }
  return { clock, timeoutMs, minimize: options.minimize ?? true };
}

function partitionsOf<S, I, O>(model: Model<S, I, O>, ops: Operation<I, O>[]): Operation<I, O>[][] {
  if (model.partition === undefined) return [ops];
  const parts: unknown = model.partition(ops);
  if (!Array.isArray(parts) || !parts.every((p) => Array.isArray(p))) {
    throw new ShnError('INVALID_ARGUMENT', 'linearizability: model.partition must return an array of operation arrays');
  }
  const total = (parts as unknown[][]).reduce((sum, p) => sum + p.length, 0);
  if (total !== ops.length) {
    throw new ShnError('INVALID_ARGUMENT', `linearizability: model.partition returned ${total} operations for a history of ${ops.length}`);
  }
  return parts as Operation<I, O>[][];
}

/**
 * Checks that a history of operations is linearizable with respect to `model`
 * (Wing & Gong's search with Lowe's and porcupine's improvements; see the package README).
 *
 * - `model.partition`, when present, splits the history into independent parts (e.g. one per
 *   key) that are checked one by one; the history is linearizable iff every part is.
 * - `options.timeoutMs` bounds the whole check on `options.clock` (default `systemClock`);
 *   running out yields `{ outcome: 'unknown' }`, never a guess.
 * - An illegal history yields the failing part shrunk to a 1-minimal failing sub-history,
 *   with an ASCII timeline in `explanation` (see {@link formatHistory}).
 * - An operation with `return: Infinity` is pending: it may take effect after its call or never.
 *
 * Throws ShnError `INVALID_ARGUMENT` for a malformed model, options or operation (non-integer
 * clientId, non-finite call, NaN return, return before call) and whatever the model's
 * `step`/`partition` throw for inputs they reject (the built-in models throw `INVALID_ARGUMENT`).
 */
export function checkOperations<S, I, O>(model: Model<S, I, O>, ops: Operation<I, O>[], options?: { timeoutMs?: number; clock?: Clock; minimize?: boolean }): CheckResult {
  validateModel(model);
  validateOperations(ops);
  const { clock, timeoutMs, minimize } = readOptions(options);
  const budget = new SearchBudget(clock, timeoutMs);
  const parts = partitionsOf(model, ops);
  let unknownPart = -1;
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p] as Operation<I, O>[];
    if (part.length === 0) continue;
    if (budget.exhaustedNow()) {
      unknownPart = p;
      break;
    }
    const verdict = searchLinearization(model, part, budget);
    if (verdict === 'unknown') {
      unknownPart = p;
      break;
    }
    if (verdict === 'illegal') return illegalResult(model, part, p, parts.length, budget, minimize);
  }
  if (unknownPart >= 0) {
    return {
      outcome: 'unknown',
      reason: `time budget of ${timeoutMs} ms ran out while checking part ${unknownPart + 1} of ${parts.length} (${(parts[unknownPart] as unknown[]).length} operations); parts before it are linearizable`,
    };
  }
  return { outcome: 'ok' };
}

function illegalResult<S, I, O>(model: Model<S, I, O>, part: Operation<I, O>[], index: number, count: number, budget: SearchBudget, minimize: boolean): CheckResult {
  const shrunk = minimize ? shrinkIllegal(model, part, budget) : { ops: [...part].sort((a, b) => a.call - b.call), complete: false, orderCaused: false };
  const where = count > 1 ? `part ${index + 1} of ${count} (${part.length} operations)` : `the history (${part.length} operations)`;
  const how = !minimize
    ? `shown unshrunk (${shrunk.ops.length} operations)`
    : shrunk.complete
      ? shrunk.orderCaused
        ? `shrunk to ${shrunk.ops.length} operations whose real-time order admits no linearization (they would be linearizable if they all overlapped, and removing any one of them breaks that)`
        : `shrunk to ${shrunk.ops.length} operations that are not linearizable in any order, while removing any one of them makes the rest linearizable`
      : `partly shrunk to ${shrunk.ops.length} operations that are still not linearizable (the time budget ran out before shrinking finished)`;
  const explanation = `not linearizable: ${where}, ${how}:\n${formatHistory(shrunk.ops as Operation[], model)}`;
  return { outcome: 'illegal', minimal: shrunk.ops as Operation[], explanation };
}

/**
 * Like {@link checkOperations}, for a call/return event log. A call without a return is a
 * pending operation (porcupine's convention: its return time is `+Infinity`; its output is
 * `undefined`), which may take effect after its call or never.
 *
 * Throws ShnError `INVALID_ARGUMENT`, before any checking, for unmatched or duplicate returns,
 * duplicate call ids, a return listed or timed before its call, a clientId mismatch between
 * call and return and non-finite times or ids; otherwise as {@link checkOperations}.
 */
export function checkEvents<S, I, O>(model: Model<S, I, O>, events: HistoryEvent[], options?: { timeoutMs?: number; clock?: Clock; minimize?: boolean }): CheckResult {
  validateModel(model);
  const ops = eventsToOperations(events) as Operation<I, O>[];
  return checkOperations(model, ops, options);
}

import type { SearchBudget } from './search-budget.js';
import { searchLinearization } from './wing-gong-search.js';
import { stableEncode } from './structural-value.js';
import type { Model, Operation } from './types.js';

/** A shrunk failing history, whether shrinking finished, and whether real-time order is what makes it fail. @internal */
export interface ShrinkResult<I, O> {
  readonly ops: Operation<I, O>[];
  /** False when the budget stopped shrinking early (the result is still illegal). */
  readonly complete: boolean;
  /** True when the result would be linearizable if its operations all overlapped: the failure is one of real-time order. */
  readonly orderCaused: boolean;
}

/** Search steps allowed for one "all operations concurrent" check (such searches can explode). */
const CONCURRENT_CHECK_STEPS = 100_000;

/** Most `step` calls {@link impossibleOperation} makes before it gives up. */
const CLOSURE_STEP_LIMIT = 1_000_000;
/**
 * Most states it collects. Models whose states grow without bound (an append-only log) have an
 * infinite closure: the test then gives up instead of filling the heap.
 */
const CLOSURE_STATE_LIMIT = 2048;

/**
 * A cheap, sound test that `ops` cannot be linearized in ANY order: collects every state
 * reachable from the initial one by applying the operations' transitions any number of times
 * (a superset of the states any real linearization can reach), and returns a completed
 * operation that is illegal in every one of them, such as a read of a value nobody wrote.
 * Undefined means "none shown": it is also the answer when the work would exceed
 * CLOSURE_STEP_LIMIT model steps or CLOSURE_STATE_LIMIT states, or the budget runs out.
 */
function impossibleOperation<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[], budget: SearchBudget): Operation<I, O> | undefined {
  const hash = model.hash ?? ((s: S) => stableEncode(s));
  const init = model.init();
  const states: S[] = [init];
  const seen = new Set<string>([hash(init)]);
  let steps = 0;
  for (let i = 0; i < states.length; i++) {
    // Each state costs one step per operation now, and one per operation in the final scan.
    steps += 2 * ops.length;
    if (steps > CLOSURE_STEP_LIMIT || budget.exhausted()) return undefined;
    for (const op of ops) {
      const r = model.step(states[i] as S, op.input, op.output);
      if (!r.ok) continue;
      const key = hash(r.state);
      if (seen.has(key)) continue;
      if (states.length >= CLOSURE_STATE_LIMIT) return undefined;
      seen.add(key);
      states.push(r.state);
    }
  }
  return ops.find((op) => op.return !== Infinity && states.every((st) => !model.step(st, op.input, op.output).ok));
}

/** The same operations with every real-time constraint erased: all overlap (pending ones stay pending). */
function allConcurrent<I, O>(ops: readonly Operation<I, O>[]): Operation<I, O>[] {
  return ops.map((o) => ({ ...o, call: 0, return: o.return === Infinity ? Infinity : 1 }));
}

/**
 * Shrinks an illegal history to a 1-minimal illegal sub-history: removing any single one of
 * the returned operations makes it linearizable (or, in order-caused mode, no longer an
 * order-caused failure). Removes chunks first (halving their size, as in delta debugging),
 * then single operations until a full pass removes nothing. A removal is kept only if the
 * search still says 'illegal', so the result is always illegal.
 *
 * Order-caused mode: when the history would be linearizable if all its operations
 * overlapped, the failure is about real-time order (a stale read, a lost write). Plain
 * shrinking would then usually end at a lone read of a value nobody wrote, which is illegal
 * but explains nothing; so in that mode a removal is also required to keep the "linearizable
 * when all overlap" property, and the witness keeps the writes the bad read contradicts.
 * Whether a history has that property can be too costly to decide: with every operation
 * concurrent the search space is all subsets of the operations, so a few dozen can exhaust
 * the step limit. A cheap certificate settles the common negative case first: an operation
 * that is illegal in every state the operations can reach, such as a read of a value nobody
 * wrote, is returned alone. When neither settles it for the whole history, order-caused
 * shrinking is tried anyway. A candidate whose property cannot be decided is accepted
 * provisionally, as long as it is still illegal, so shrinking can pass through large
 * candidates to small ones that can be decided. The result is kept only if it was shrunk and
 * is verified to be order-caused. Otherwise plain shrinking starts again from the whole history.
 * Stops early (complete: false) when the budget runs out.
 * @internal
 */
export function shrinkIllegal<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[], budget: SearchBudget): ShrinkResult<I, O> {
  const sorted = [...ops].sort((a, b) => a.call - b.call);
  // An operation illegal in every reachable state is illegal on its own: that lone operation is
  // a 1-minimal witness, and the real culprit rather than whichever read plain shrinking strands.
  const impossible = impossibleOperation(model, sorted, budget);
  if (impossible !== undefined) return { ops: [impossible], complete: true, orderCaused: false };
  const relaxedWhole = searchLinearization(model, allConcurrent(sorted), budget, CONCURRENT_CHECK_STEPS);
  if (relaxedWhole === 'ok') return { ...shrink(model, sorted, budget, 'order'), orderCaused: true };
  if (relaxedWhole === 'unknown' && !budget.exhaustedNow()) {
    const tried = shrink(model, sorted, budget, 'order-provisional');
    if (tried.ops.length < sorted.length && searchLinearization(model, allConcurrent(tried.ops), budget, CONCURRENT_CHECK_STEPS) === 'ok') {
      return { ...tried, orderCaused: true };
    }
    // Out of budget: what was shrunk so far is still illegal (every accepted candidate was).
    if (budget.exhaustedNow()) return { ops: tried.ops, complete: false, orderCaused: false };
  }
  return { ...shrink(model, sorted, budget, 'plain'), orderCaused: false };
}

/**
 * Delta-debugging removal loop of {@link shrinkIllegal}. Modes: 'plain' keeps any removal that
 * stays illegal; 'order' also requires the candidate to be linearizable when all its
 * operations overlap; 'order-provisional' is 'order' that also accepts a candidate for which
 * that cannot be decided within the step limit.
 */
function shrink<S, I, O>(model: Model<S, I, O>, sorted: Operation<I, O>[], budget: SearchBudget, mode: 'plain' | 'order' | 'order-provisional'): { ops: Operation<I, O>[]; complete: boolean } {
  const accept = (candidate: Operation<I, O>[]): 'yes' | 'no' | 'stop' => {
    if (candidate.length === 0) return 'no';
    const verdict = searchLinearization(model, candidate, budget);
    if (verdict === 'unknown') return 'stop';
    if (verdict !== 'illegal') return 'no';
    if (mode === 'plain') return 'yes';
    // Cheap first: an operation illegal in every reachable state means illegal in any order.
    if (impossibleOperation(model, candidate, budget) !== undefined) return 'no';
    const relaxed = searchLinearization(model, allConcurrent(candidate), budget, CONCURRENT_CHECK_STEPS);
    if (relaxed === 'unknown') return budget.exhaustedNow() ? 'stop' : mode === 'order-provisional' ? 'yes' : 'no';
    return relaxed === 'ok' ? 'yes' : 'no';
  };
  let current = sorted;
  let chunk = Math.max(1, Math.floor(current.length / 2));
  for (;;) {
    let removedAny = false;
    let i = 0;
    while (i < current.length) {
      if (budget.exhaustedNow()) return { ops: current, complete: false };
      const candidate = current.slice(0, i).concat(current.slice(i + chunk));
      const verdict = accept(candidate);
      if (verdict === 'stop') return { ops: current, complete: false };
      if (verdict === 'yes') {
        current = candidate;
        removedAny = true;
      } else {
        i += chunk;
      }
    }
    if (chunk > 1) chunk = Math.max(1, Math.floor(chunk / 2));
    else if (!removedAny) return { ops: current, complete: true };
  }
}

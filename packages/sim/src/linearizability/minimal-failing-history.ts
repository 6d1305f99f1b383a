import type { SearchBudget } from './search-budget.js';
import { searchLinearization } from './wing-gong-search.js';
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
 * Stops early (complete: false) when the budget runs out.
 * @internal
 */
export function shrinkIllegal<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[], budget: SearchBudget): ShrinkResult<I, O> {
  const sorted = [...ops].sort((a, b) => a.call - b.call);
  const orderCaused = searchLinearization(model, allConcurrent(sorted), budget, CONCURRENT_CHECK_STEPS) === 'ok';
  const accept = (candidate: Operation<I, O>[]): 'yes' | 'no' | 'stop' => {
    if (candidate.length === 0) return 'no';
    const verdict = searchLinearization(model, candidate, budget);
    if (verdict === 'unknown') return 'stop';
    if (verdict !== 'illegal') return 'no';
    if (!orderCaused) return 'yes';
    const relaxed = searchLinearization(model, allConcurrent(candidate), budget, CONCURRENT_CHECK_STEPS);
    if (relaxed === 'unknown' && budget.exhaustedNow()) return 'stop';
    return relaxed === 'ok' ? 'yes' : 'no';
  };
  let current = sorted;
  let chunk = Math.max(1, Math.floor(current.length / 2));
  for (;;) {
    let removedAny = false;
    let i = 0;
    while (i < current.length) {
      if (budget.exhaustedNow()) return { ops: current, complete: false, orderCaused };
      const candidate = current.slice(0, i).concat(current.slice(i + chunk));
      const verdict = accept(candidate);
      if (verdict === 'stop') return { ops: current, complete: false, orderCaused };
      if (verdict === 'yes') {
        current = candidate;
        removedAny = true;
      } else {
        i += chunk;
      }
    }
    if (chunk > 1) chunk = Math.max(1, Math.floor(chunk / 2));
    else if (!removedAny) return { ops: current, complete: true, orderCaused };
  }
}

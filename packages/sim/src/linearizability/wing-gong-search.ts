import type { SearchBudget } from './search-budget.js';
import { stableEncode, structuralEqual } from './structural-value.js';
import type { Model, Operation } from './types.js';

/** Result of searching one (sub-)history: linearizable, not, or out of budget. @internal */
export type SearchOutcome = 'ok' | 'illegal' | 'unknown';

/** A 32-bit mix of `i` (murmur3 fmix32), used as the Zobrist key of operation `i`. */
function zobristKey(i: number): number {
  let h = (i + 0x9e3779b9) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

interface CacheEntry<S> {
  readonly words: Uint32Array;
  readonly state: S;
}

/**
 * Wing & Gong's linearizability search with Lowe's improvements, as in porcupine:
 * - the history is a doubly linked list of call/return entries sorted by time (calls before
 *   returns at equal times, so touching operations count as concurrent);
 * - linearizing an operation "lifts" its call and return out of the list, backtracking
 *   "unlifts" them (O(1) each);
 * - a cache of (set of linearized operations, model state) prunes configurations already
 *   explored. The set is a bitset with an incremental Zobrist hash.
 * Pending operations (`return === Infinity`) may be linearized anywhere after their call or
 * not at all: the search succeeds as soon as only pending operations are left.
 *
 * Returns 'unknown' when `budget` runs out or after `maxSteps` loop iterations. Exceptions thrown by the model propagate.
 * @internal
 */
export function searchLinearization<S, I, O>(model: Model<S, I, O>, ops: readonly Operation<I, O>[], budget: SearchBudget, maxSteps = Infinity): SearchOutcome {
  const n = ops.length;
  if (n === 0) return 'ok';
  const equal = model.equal ?? ((a: S, b: S) => structuralEqual(a, b));
  const hash = model.hash ?? ((s: S) => stableEncode(s));

  // Entries 0..2n-1: entry 2i is op i's call, 2i+1 its return. Sort by time, calls first on ties.
  const order: number[] = new Array<number>(2 * n);
  for (let i = 0; i < 2 * n; i++) order[i] = i;
  const timeOf = (e: number): number => {
    const op = ops[e >> 1] as Operation<I, O>;
    return (e & 1) === 0 ? op.call : op.return;
  };
  order.sort((a, b) => {
    const ta = timeOf(a);
    const tb = timeOf(b);
    if (ta !== tb) return ta < tb ? -1 : 1;
    const ka = a & 1;
    const kb = b & 1;
    if (ka !== kb) return ka - kb;
    return a - b;
  });

  const head = 2 * n;
  const next = new Int32Array(2 * n + 1).fill(-1);
  const prev = new Int32Array(2 * n + 1).fill(-1);
  let last = head;
  for (const e of order) {
    next[last] = e;
    prev[e] = last;
    last = e;
  }

  const lift = (call: number): void => {
    const ret = call + 1;
    next[prev[call] as number] = next[call] as number;
    prev[next[call] as number] = prev[call] as number; // a call always has a successor (its return)
    next[prev[ret] as number] = next[ret] as number;
    const after = next[ret] as number;
    if (after !== -1) prev[after] = prev[ret] as number;
  };
  const unlift = (call: number): void => {
    const ret = call + 1;
    next[prev[ret] as number] = ret;
    const after = next[ret] as number;
    if (after !== -1) prev[after] = ret;
    next[prev[call] as number] = call;
    prev[next[call] as number] = call;
  };

  const words = new Uint32Array((n + 31) >>> 5);
  const zob = new Uint32Array(n);
  for (let i = 0; i < n; i++) zob[i] = zobristKey(i);
  let zobrist = 0;
  const cache = new Map<string, CacheEntry<S>[]>();

  const stackCall: number[] = [];
  const stackState: S[] = [];
  let state = model.init();
  let entry = next[head] as number;
  let steps = 0;

  while (entry !== -1) {
    if (budget.exhausted() || ++steps > maxSteps) return 'unknown';
    const op = entry >> 1;
    if ((entry & 1) === 0) {
      const o = ops[op] as Operation<I, O>;
      const r = model.step(state, o.input, o.output);
      let advanced = false;
      if (r.ok) {
        const w = op >>> 5;
        const bit = 1 << (op & 31);
        words[w] = (words[w] as number) | bit;
        zobrist = (zobrist ^ (zob[op] as number)) >>> 0;
        const key = `${zobrist}|${hash(r.state)}`;
        const bucket = cache.get(key);
        let seen = false;
        if (bucket !== undefined) {
          for (const c of bucket) {
            if (sameWords(c.words, words) && equal(c.state, r.state)) {
              seen = true;
              break;
            }
          }
        }
        if (!seen) {
          const ce: CacheEntry<S> = { words: words.slice(), state: r.state };
          if (bucket === undefined) cache.set(key, [ce]);
          else bucket.push(ce);
          stackCall.push(entry);
          stackState.push(state);
          state = r.state;
          lift(entry);
          entry = next[head] as number;
          advanced = true;
        } else {
          words[w] = (words[w] as number) & ~bit;
          zobrist = (zobrist ^ (zob[op] as number)) >>> 0;
        }
      }
      if (!advanced) entry = next[entry] as number;
    } else {
      // A return entry: its operation must already be linearized, but its call is still in the list.
      if ((ops[op] as Operation<I, O>).return === Infinity) return 'ok'; // only pending operations remain
      const top = stackCall.pop();
      if (top === undefined) return 'illegal';
      state = stackState.pop() as S;
      const topOp = top >> 1;
      const w = topOp >>> 5;
      words[w] = (words[w] as number) & ~(1 << (topOp & 31));
      zobrist = (zobrist ^ (zob[topOp] as number)) >>> 0;
      unlift(top);
      entry = next[top] as number;
    }
  }
  return 'ok';
}

function sameWords(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

import type { RaftLog } from './raft-log.js';
import type { Entry } from './types.js';

const dec = new TextDecoder();

/**
 * Raft's log matching property over the given logs: if two logs hold an entry with the same index
 * and term, they are identical in every entry up to it. Returns a description of the first
 * violation, or undefined. (Shared by the cluster harness and the @shn/sim scenario.)
 */
export function logMatchingViolation(logs: readonly { readonly id: string; readonly log: RaftLog }[]): string | undefined {
  for (let a = 0; a < logs.length; a++) {
    for (let b = a + 1; b < logs.length; b++) {
      const A = logs[a] as (typeof logs)[number];
      const B = logs[b] as (typeof logs)[number];
      const lo = Math.max(A.log.firstIndex(), B.log.firstIndex());
      let hi = Math.min(A.log.lastIndex(), B.log.lastIndex());
      while (hi >= lo && A.log.term(hi) !== B.log.term(hi)) hi--;
      if (hi < lo) continue;
      const ea = A.log.slice(lo, hi + 1, Infinity) ?? [];
      const eb = B.log.slice(lo, hi + 1, Infinity) ?? [];
      for (let i = 0; i < ea.length; i++) {
        const x = ea[i] as Entry;
        const y = eb[i] as Entry;
        if (x.term !== y.term || dec.decode(x.data) !== dec.decode(y.data)) {
          return `log matching: ${A.id} and ${B.id} differ at ${x.index} below matching index ${hi}`;
        }
      }
    }
  }
  return undefined;
}

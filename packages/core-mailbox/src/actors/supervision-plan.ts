import type { RestartPolicy, SupervisionStrategy } from './actor-kind.js';

/** Why an actor ended: it crashed (threw) or it stopped normally. */
export type ExitReason = 'crash' | 'normal';

/**
 * True if a child with `policy` must be restarted after ending for `reason` (OTP rules):
 * permanent always, transient only after a crash, temporary never.
 */
export function shouldRestart(policy: RestartPolicy, reason: ExitReason): boolean {
  return policy === 'permanent' || (policy === 'transient' && reason === 'crash');
}

/**
 * The siblings a supervisor terminates and restarts when the child at `failedIndex` (in start
 * order) must be restarted: one-for-one → only it; one-for-all → all; rest-for-one → it and every
 * later one. Returns a new array in start order. Out-of-range `failedIndex` yields `[]`.
 */
export function restartGroup<T>(strategy: SupervisionStrategy, children: readonly T[], failedIndex: number): T[] {
  if (!Number.isInteger(failedIndex) || failedIndex < 0 || failedIndex >= children.length) return [];
  switch (strategy) {
    case 'one-for-one':
      return [children[failedIndex] as T];
    case 'one-for-all':
      return children.slice();
    case 'rest-for-one':
      return children.slice(failedIndex);
  }
}

import { isShnError } from '@shn/core';
import type { Clock } from '@shn/core';

/** A clock that moves only when told (both scales share one value). */
export function virtualClock(start = 0): Clock & { advance(ms: number): void; set(ms: number): void } {
  let t = start;
  return { now: () => t, monotonic: () => t, advance: (ms) => void (t += ms), set: (ms) => void (t = ms) };
}

/** The ShnError code `fn` throws, `'none'` if it returns, `'not a ShnError'` otherwise. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'none';
  } catch (e) {
    return isShnError(e) ? e.code : 'not a ShnError';
  }
}

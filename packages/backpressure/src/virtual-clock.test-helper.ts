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

/** A virtual clock plus timers that fire only when `advance` passes their time. */
export function virtualTime(start = 0) {
  let t = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock = { now: () => t, monotonic: () => t };
  const timer = {
    setTimeout(fn: () => void, ms: number) {
      const id = seq++;
      timers.set(id, { at: t + Math.max(0, ms), fn });
      return { id } as object;
    },
    clearTimeout(handle: object) {
      timers.delete((handle as { id: number }).id);
    },
  };
  const advance = (ms: number) => {
    const end = t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const e of timers) if (e[1].at <= end && (next === undefined || e[1].at < next[1].at)) next = e;
      if (next === undefined) break;
      timers.delete(next[0]);
      t = next[1].at;
      next[1].fn();
    }
    t = end;
  };
  return { clock, timer, advance, pending: () => timers.size };
}

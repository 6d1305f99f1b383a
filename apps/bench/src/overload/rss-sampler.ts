import { readFileSync } from 'node:fs';
import { systemTimer } from '@shn/core';
import type { TimerHandle } from '@shn/core';

/** Resident set size of process `pid` in bytes (VmRSS of /proc/<pid>/status), or undefined off Linux. */
export function rssOf(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? undefined : Number(m[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** Samples the RSS of `pid` every `everyMs` until stopped; `max` is the largest sample. */
export function sampleRss(pid: number, everyMs = 50): { stop(): { max: number | undefined; last: number | undefined } } {
  let max: number | undefined;
  let last: number | undefined;
  let handle: TimerHandle | undefined;
  const tick = () => {
    last = rssOf(pid);
    if (last !== undefined) max = Math.max(max ?? 0, last);
    handle = systemTimer.setTimeout(tick, everyMs);
  };
  tick();
  return {
    stop() {
      if (handle !== undefined) systemTimer.clearTimeout(handle);
      return { max, last };
    },
  };
}

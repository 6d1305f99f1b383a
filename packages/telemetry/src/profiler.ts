import { Session } from 'node:inspector';
import { writeHeapSnapshot } from 'node:v8';
import { ShnError, systemTimer } from '@shn/core';
import type { Timer } from '@shn/core';
import { tempFileFor } from './payload.js';

/** The longest CPU profile an endpoint records, seconds. */
export const MAX_PROFILE_SECONDS = 300;

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T)));
  });
}

let busy = false;

/**
 * Records a CPU profile of THIS thread (main thread or shard: `node:inspector` attaches to the
 * calling isolate) for `seconds`, and returns it as `.cpuprofile` JSON text (Chrome DevTools,
 * speedscope). The thread keeps running meanwhile; the profile sees only what runs on it.
 * @param samplingIntervalUs - V8's sampling interval, microseconds (default 1000).
 * @throws ShnError `INVALID_ARGUMENT` for a bad duration or interval, `CONCURRENCY_CONFLICT` if
 *   this thread is already being profiled, `INTERNAL` if the inspector fails.
 */
export async function recordCpuProfile(seconds: number, timer: Timer = systemTimer, samplingIntervalUs = 1000): Promise<string> {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_PROFILE_SECONDS) {
    throw new ShnError('INVALID_ARGUMENT', `profile seconds must be a number in (0, ${MAX_PROFILE_SECONDS}], got ${String(seconds)}`);
  }
  if (!Number.isInteger(samplingIntervalUs) || samplingIntervalUs < 10 || samplingIntervalUs > 1_000_000) {
    throw new ShnError('INVALID_ARGUMENT', `samplingIntervalUs must be an integer in [10, 1000000], got ${String(samplingIntervalUs)}`);
  }
  if (busy) throw new ShnError('CONCURRENCY_CONFLICT', 'a CPU profile of this thread is already being recorded');
  busy = true;
  const session = new Session();
  try {
    session.connect();
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.setSamplingInterval', { interval: samplingIntervalUs });
    await post(session, 'Profiler.start');
    await new Promise<void>((resolve) => timer.setTimeout(resolve, seconds * 1000));
    const { profile } = await post<{ profile: unknown }>(session, 'Profiler.stop');
    return JSON.stringify(profile);
  } catch (cause) {
    if (cause instanceof ShnError) throw cause;
    throw new ShnError('INTERNAL', `CPU profile failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  } finally {
    busy = false;
    try {
      session.disconnect();
    } catch {
      // already disconnected
    }
  }
}

/**
 * Writes a heap snapshot of THIS thread to a temporary file and returns its path (`.heapsnapshot`,
 * for Chrome DevTools). Blocks the thread while it writes (seconds for a large heap).
 * @throws ShnError `STORE_FAILED` if the snapshot cannot be written.
 */
export function writeThreadHeapSnapshot(): string {
  const file = tempFileFor('heapsnapshot');
  try {
    return writeHeapSnapshot(file);
  } catch (cause) {
    throw new ShnError('STORE_FAILED', `heap snapshot failed: ${(cause as Error).message}`, { cause });
  }
}

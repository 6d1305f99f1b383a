import { AdmissionControl, type AdmissionOptions } from '@shn/backpressure';
import { ShnError, type Clock } from '@shn/core';

/**
 * shn-kv's admission control, as plain data (it crosses to the shard threads in shard-owned
 * mode, so it holds no functions): a token bucket per connection in front of one adaptive
 * concurrency limit per listener (the main thread's in gateway mode, each shard's in
 * shard-owned mode). Built into a `@shn/backpressure` {@link AdmissionControl} by
 * {@link createAdmission}.
 */
export interface AdmissionConfig {
  /** Requests per second each connection may send (token bucket rate). */
  readonly ratePerSec: number;
  /** Requests a connection may send at once above its rate (token bucket size). */
  readonly burst: number;
  /**
   * The global limit on requests in flight: `gradient2` (adapts to latency), `aimd` (backs off
   * on timeouts and shard refusals), `none` (per-connection buckets only) or a fixed number.
   */
  readonly limit: 'gradient2' | 'aimd' | 'none' | number;
  /**
   * `-BUSY` replies per second a connection gets; past them the server stops reading that
   * connection for a while and TCP backpressure holds the rest of its flood.
   */
  readonly busyRatePerSec: number;
}

/** The flag names {@link parseAdmissionFlags} reads (all strings but `admission`). */
export const ADMISSION_FLAGS = {
  admission: { type: 'boolean' },
  'admission-rate': { type: 'string' },
  'admission-burst': { type: 'string' },
  'admission-limit': { type: 'string' },
  'admission-busy-rate': { type: 'string' },
} as const;

/** Usage text of the admission flags. */
export const ADMISSION_USAGE = '[--admission [--admission-rate 20000] [--admission-burst N] [--admission-limit gradient2|aimd|none|N] [--admission-busy-rate N]]';

/**
 * Reads the `--admission*` flags from `parseArgs` values: undefined without `--admission`.
 * Defaults: rate 20 000/s, burst max(16, rate / 10) (100 ms of the rate, so a well-behaved client survives a 10-100 ms stall of either side), limit gradient2, BUSY rate = the rate.
 *
 * @throws ShnError `INVALID_ARGUMENT` for an `--admission-*` flag without `--admission`, or a
 *   value that is not an integer in range (rate and burst 1..1e8, BUSY rate 1..1e9, fixed limit 1..1e6).
 */
export function parseAdmissionFlags(values: Readonly<Record<string, string | boolean | undefined>>): AdmissionConfig | undefined {
  const given = ['admission-rate', 'admission-burst', 'admission-limit', 'admission-busy-rate'].filter((f) => values[f] !== undefined);
  if (values['admission'] !== true) {
    if (given.length > 0) throw new ShnError('INVALID_ARGUMENT', `--${given[0]} needs --admission`);
    return undefined;
  }
  const int = (flag: string, fallback: number, min: number, max: number): number => {
    const raw = values[flag];
    if (raw === undefined) return fallback;
    if (typeof raw !== 'string' || !/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw new ShnError('INVALID_ARGUMENT', `--${flag} must be an integer in [${min}, ${max}], got ${JSON.stringify(raw)}`);
    }
    return Number(raw);
  };
  const ratePerSec = int('admission-rate', 20_000, 1, 100_000_000);
  const burst = int('admission-burst', Math.max(16, Math.ceil(ratePerSec / 10)), 1, 100_000_000);
  const rawLimit = values['admission-limit'];
  const limit = rawLimit === 'gradient2' || rawLimit === 'aimd' || rawLimit === 'none' ? rawLimit : rawLimit === undefined ? 'gradient2' : int('admission-limit', 0, 1, 1_000_000);
  const busyRatePerSec = int('admission-busy-rate', ratePerSec, 1, 1_000_000_000);
  return { ratePerSec, burst, limit, busyRatePerSec };
}

/**
 * The `@shn/backpressure` options for a config. The adaptive limits start high (1024: 16
 * pipelining clients x 64) within [8, 16 384]. Gradient2 grows by sqrt(limit) per sample (a low
 * start would shed cheap commands at half load until it has grown), and while the load leaves it
 * app-limited it decays toward twice what is in flight (`appLimitedHeadroom: 2`), so a surge meets
 * a limit near what the quiet load needed instead of the start value: without that, an overload
 * of expensive commands queued ~700 of them before the limit came down (admitted requests' p99
 * 400 ms against 35 ms at half load, `pnpm bench overload`, keys workload). AIMD treats a 100 ms request as a drop.
 */
export function admissionOptions(config: AdmissionConfig): AdmissionOptions {
  let concurrency: AdmissionOptions['concurrency'];
  if (config.limit === 'gradient2') {
    concurrency = { algorithm: 'gradient2', minLimit: 8, initialLimit: 1024, maxLimit: 16_384, queueSize: (l: number) => Math.max(4, Math.sqrt(l)), appLimitedHeadroom: 2 };
  } else if (config.limit === 'aimd') {
    concurrency = { algorithm: 'aimd', minLimit: 64, initialLimit: 1024, maxLimit: 16_384, timeoutMs: 100 };
  } else if (config.limit !== 'none') {
    concurrency = { algorithm: 'fixed', limit: config.limit };
  }
  return { perConnection: { ratePerSec: config.ratePerSec, burst: config.burst, busyRatePerSec: config.busyRatePerSec }, concurrency };
}

/**
 * A fresh {@link AdmissionControl} for one listener (one thread).
 * @throws ShnError `INVALID_ARGUMENT` for values `@shn/backpressure` refuses.
 */
export function createAdmission(config: AdmissionConfig, clock?: Clock): AdmissionControl {
  return new AdmissionControl({ ...admissionOptions(config), ...(clock === undefined ? {} : { clock }) });
}

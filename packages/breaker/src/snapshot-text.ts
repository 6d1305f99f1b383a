import type { BreakerSnapshot } from './breaker-events.js';

/**
 * One breaker's snapshot as a Redis-INFO-style value: comma-separated `field=value` pairs,
 * e.g. `state=open,reason=failure-rate,calls=0,failure_rate=0.650,slow_call_rate=0.000,in_flight=0,trips=1,retry_in_ms=4200`.
 * Rates have three decimals; times are whole milliseconds.
 */
export function formatSnapshot(s: BreakerSnapshot): string {
  return [
    `state=${s.state}`,
    `reason=${s.reason}`,
    `calls=${s.calls}`,
    `failure_rate=${s.failureRate.toFixed(3)}`,
    `slow_call_rate=${s.slowCallRate.toFixed(3)}`,
    `in_flight=${s.inFlight}`,
    `trips=${s.trips}`,
    `retry_in_ms=${Number.isFinite(s.retryInMs) ? Math.ceil(s.retryInMs) : -1}`,
  ].join(',');
}

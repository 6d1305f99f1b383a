/**
 * @packageDocumentation
 * `@shn/breaker`: circuit breakers, bulkheads, timeouts, retries and fallbacks for shn, as core
 * ask {@link Middleware} keyed per destination and as plain wrappers for any async call. Every
 * breaker of a group shares one wake-up timer; breakers own no timers and no listener lists.
 */
export type { BreakerObserver, BreakerReason, BreakerSnapshot, BreakerState, BreakerStateChange } from './breaker-events.js';
export type { BreakerOptions } from './breaker-options.js';
export { defaultIsFailure, isCircuitOpen } from './breaker-options.js';
export type { WindowOptions } from './sliding-window.js';
export { MAX_BUCKETS, MAX_COUNT_WINDOW } from './sliding-window.js';
export { CircuitBreaker, circuitBreaker } from './circuit-breaker.js';
export type { BreakerGroupOptions } from './breaker-group.js';
export { BreakerGroup, breakerGroup } from './breaker-group.js';
export type { WakeCallback, WakeClient, WakeTimerOptions } from './wake-timer.js';
export { WakeTimer } from './wake-timer.js';
export type { BulkheadOptions } from './bulkhead.js';
export { Bulkhead, BulkheadPolicy, bulkhead, bulkheadPolicy } from './bulkhead.js';
export type { TimeoutOptions } from './timeout.js';
export { TimeoutPolicy, timeoutPolicy } from './timeout.js';
export type { RetryInfo, RetryOptions } from './retry.js';
export { RetryPolicy, isTransientError, retryPolicy } from './retry.js';
export { decorrelatedJitter } from './backoff.js';
export type { FallbackOptions } from './fallback.js';
export { FallbackPolicy, fallbackPolicy } from './fallback.js';
export type { CallContext, Policy, PolicyNext } from './policy.js';
export { callContext } from './policy.js';
export type { WrapOptions } from './pipeline.js';
export { pipeline, wrap } from './pipeline.js';
export type { DestinationKey } from './destination-keys.js';
export { byKind, byNode, byNodeShard, byShard, crossShard } from './destination-keys.js';
export type { ResilienceMiddlewareOptions } from './resilience-middleware.js';
export { resilienceMiddleware } from './resilience-middleware.js';
export type { OpossumBreakerLike } from './opossum-adapter.js';
export { fromOpossum, opossumState } from './opossum-adapter.js';
export { formatSnapshot } from './snapshot-text.js';

/**
 * @packageDocumentation
 * `@shn/backpressure`: counted overflow policies for full mailboxes, rate limiters on an
 * injected clock, adaptive concurrency limiters with priority shedding, admission control, and
 * credit-based streams. Depends on `@shn/core` only.
 */
export { OverflowMailbox } from './overflow/overflow-mailbox.js';
export type { OverflowPolicy, OverflowOutcome, OverflowMailboxOptions, OverflowCounters } from './overflow/overflow-mailbox.js';
export { TokenBucket } from './rate/token-bucket.js';
export type { TokenBucketOptions } from './rate/token-bucket.js';
export { LeakyBucket } from './rate/leaky-bucket.js';
export type { LeakyBucketOptions } from './rate/leaky-bucket.js';
export { SlidingWindowLimiter } from './rate/sliding-window.js';
export type { SlidingWindowOptions } from './rate/sliding-window.js';
export type { LimitAlgorithm } from './limits/limit-algorithm.js';
export { AimdLimit } from './limits/aimd-limit.js';
export type { AimdLimitOptions } from './limits/aimd-limit.js';
export { Gradient2Limit } from './limits/gradient2-limit.js';
export type { Gradient2LimitOptions } from './limits/gradient2-limit.js';
export { FixedLimit } from './limits/fixed-limit.js';
export { WindowedLimit } from './limits/windowed-limit.js';
export type { WindowedLimitOptions } from './limits/windowed-limit.js';
export { ConcurrencyLimiter } from './limits/concurrency-limiter.js';
export type { ConcurrencyLimiterOptions, LimiterTicket, LimiterCounters } from './limits/concurrency-limiter.js';
export { AdmissionControl, ConnectionAdmission } from './admission/admission-control.js';
export type { Admission, AdmissionOptions, AdmissionCounters, AdmissionOutcome, ConcurrencyOption, PerConnectionOptions } from './admission/admission-control.js';
export { CreditStream } from './streams/credit-stream.js';
export { CreditReader } from './streams/credit-reader.js';
export { CreditSender, CreditReceiver } from './streams/credit-link.js';
export type { CreditSenderOptions, CreditReceiverOptions } from './streams/credit-link.js';
export { creditChannel } from './streams/credit-channel.js';
export type { CreditSubscriber, CreditSubscription, CreditPublisher, SubscribeFn } from './streams/subscriber.js';

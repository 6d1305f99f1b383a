import type { Address } from './address.js';

/** String headers carried with an envelope (`traceparent`, `tracestate`, `authorization`, …). */
export type Headers = Record<string, string>;

/**
 * The unit that crosses every boundary: thread, shard, node.
 *
 * @typeParam B - the body type; bodies cross threads through a {@link Codec}.
 */
export interface Envelope<B = unknown> {
  /** Unique per sender; derived lazily on hot paths. */
  readonly id: string;
  /** Destination. */
  readonly to: Address;
  /** Sender, when the sender is an actor. */
  readonly from?: Address | undefined;
  /** Message type tag, e.g. `set`. */
  readonly type: string;
  /** Payload. */
  readonly body: B;
  /** String headers; may be empty, never undefined. */
  readonly headers: Headers;
  /** Scheduling priority, 0 (lowest) to 255; default 0. */
  readonly priority?: number | undefined;
  /** Absolute deadline, epoch milliseconds; past it the message is rejected with `DEADLINE_EXCEEDED`. */
  readonly deadline?: number | undefined;
  /** Correlates an ask with its reply. */
  readonly correlationId?: string | undefined;
  /** Where a reply should go. */
  readonly replyTo?: Address | undefined;
}

/** The fields a caller supplies when sending; the runtime fills in `id`, `to` and defaults. */
export interface SendOptions {
  /** Extra headers. */
  readonly headers?: Headers;
  /** 0–255. */
  readonly priority?: number;
  /** Absolute deadline in epoch ms. */
  readonly deadline?: number;
}

/** Options for an ask (request/reply). */
export interface AskOptions extends SendOptions {
  /** Relative timeout in ms; the promise rejects with `TIMEOUT` after it. */
  readonly timeoutMs?: number;
}

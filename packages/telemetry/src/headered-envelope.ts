import type { Address, Envelope, Headers } from '@shn/core';

/**
 * An envelope identical to another except for its headers: what send/ask middleware passes on
 * after adding `traceparent`. The id is read from the original only when asked for, so a lazily
 * formatted id stays lazy.
 */
export class HeaderedEnvelope<B = unknown> implements Envelope<B> {
  readonly #inner: Envelope<B>;
  readonly to: Address;
  readonly from: Address | undefined;
  readonly type: string;
  readonly body: B;
  readonly headers: Headers;
  readonly priority: number | undefined;
  readonly deadline: number | undefined;
  readonly correlationId: string | undefined;
  readonly replyTo: Address | undefined;

  constructor(inner: Envelope<B>, headers: Headers) {
    this.#inner = inner;
    this.to = inner.to;
    this.from = inner.from;
    this.type = inner.type;
    this.body = inner.body;
    this.headers = headers;
    this.priority = inner.priority;
    this.deadline = inner.deadline;
    this.correlationId = inner.correlationId;
    this.replyTo = inner.replyTo;
  }

  get id(): string {
    return this.#inner.id;
  }
}

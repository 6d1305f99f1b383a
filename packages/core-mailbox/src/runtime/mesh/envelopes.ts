import type { Address, Envelope, Headers } from '@shn/core';
import type { CompiledMessage } from '../frame/schema-codec.js';

/** Shared, frozen empty headers: most envelopes carry none, so none allocate. */
export const NO_HEADERS: Headers = Object.freeze({}) as Headers;

/**
 * An envelope built by a sender. Its `id` (`<thread>:<seq>`) is formatted only when read,
 * which keeps string building off the hot path.
 */
export class OutboundEnvelope implements Envelope {
  constructor(
    readonly to: Address,
    readonly from: Address | undefined,
    readonly type: string,
    readonly body: unknown,
    readonly headers: Headers,
    readonly priority: number | undefined,
    readonly deadline: number | undefined,
    readonly correlationId: string | undefined,
    readonly thread: number,
    readonly seq: number,
    /** The declared message type of the body, when sent with a typed tell/ask/send. */
    readonly schema: CompiledMessage | undefined,
  ) {}

  get id(): string {
    return `${this.thread}:${this.seq}`;
  }
}

/**
 * An envelope decoded from a ring on the receiving shard, with the runtime's bookkeeping
 * (sending thread, correlation, journal slot) kept in private fields.
 */
export class InboundEnvelope implements Envelope {
  readonly #sender: number;
  readonly #seq: number;
  readonly #correlation: number;
  readonly #ask: boolean;
  readonly #schema: CompiledMessage | undefined;
  #slot = -1;

  constructor(
    readonly to: Address,
    readonly from: Address | undefined,
    readonly type: string,
    readonly body: unknown,
    readonly headers: Headers,
    readonly priority: number | undefined,
    readonly deadline: number | undefined,
    sender: number,
    seq: number,
    correlation: number,
    ask: boolean,
    schema: CompiledMessage | undefined,
  ) {
    this.#schema = schema;
    this.#sender = sender;
    this.#seq = seq;
    this.#correlation = correlation;
    this.#ask = ask;
  }

  get id(): string {
    return `${this.#sender}:${this.#seq}`;
  }

  get correlationId(): string | undefined {
    return this.#ask ? String(this.#correlation) : undefined;
  }

  /** The thread that sent it. */
  static sender(e: InboundEnvelope): number {
    return e.#sender;
  }

  static correlation(e: InboundEnvelope): number {
    return e.#correlation;
  }

  static isAsk(e: InboundEnvelope): boolean {
    return e.#ask;
  }

  /** The declared message type it arrived as (its reply is encoded with the declared reply type). */
  static schema(e: InboundEnvelope): CompiledMessage | undefined {
    return e.#schema;
  }

  static slot(e: InboundEnvelope): number {
    return e.#slot;
  }

  static setSlot(e: InboundEnvelope, slot: number): void {
    e.#slot = slot;
  }
}

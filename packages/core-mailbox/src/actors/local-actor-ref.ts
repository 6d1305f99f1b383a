import { ShnError } from '@shn/core';
import type { ActorRef, Address, AskOptions, Envelope, Next, SendOptions, Timer } from '@shn/core';

/** What a {@link LocalActorRef} needs from its host. */
export interface LocalRefTarget {
  /** Host-unique envelope id. */
  nextEnvelopeId(): string;
  /** Runs the send middleware chain, then delivers to the local actor. */
  readonly sendChain: Next<'accepted' | 'full' | 'closed'>;
  /** Runs the ask middleware chain, then delivers to the local actor and awaits its reply. */
  readonly askChain: Next<Promise<unknown>>;
  readonly timer: Timer;
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * A reference to an actor on this very shard (what `ctx.spawn` returns): tell/ask build an
 * envelope and hand it to the local host, through the host's send/ask middleware, without a router
 * or a ring.
 */
export class LocalActorRef implements ActorRef {
  readonly address: Address;
  readonly #target: LocalRefTarget;

  constructor(address: Address, target: LocalRefTarget) {
    this.address = address;
    this.#target = target;
  }

  #envelope(type: string, body: unknown, options: SendOptions | undefined, correlationId?: string): Envelope {
    if (typeof type !== 'string') throw new ShnError('INVALID_ARGUMENT', `message type must be a string, got ${typeof type}`);
    const id = this.#target.nextEnvelopeId();
    return {
      id,
      to: this.address,
      type,
      body,
      headers: options?.headers ?? NO_HEADERS,
      priority: options?.priority,
      deadline: options?.deadline,
      correlationId,
    };
  }

  /**
   * Queues a message for the actor. Returns `accepted`, `full` (its mailbox had no room) or
   * `closed` (the host is shutting down).
   * @throws ShnError `INVALID_ARGUMENT` if `type` is not a string.
   */
  tell(type: string, body?: unknown, options?: SendOptions): 'accepted' | 'full' | 'closed' {
    return this.#target.sendChain(this.#envelope(type, body, options));
  }

  /**
   * Sends a request and resolves with the actor's reply. Rejects with `ACTOR_FAILED`,
   * `ACTOR_NOT_FOUND`, `DEADLINE_EXCEEDED`, `MAILBOX_FULL`, `RUNTIME_CLOSED`, `INVALID_ARGUMENT`
   * or (after `options.timeoutMs` ms) `TIMEOUT`.
   */
  ask<R = unknown>(type: string, body?: unknown, options?: AskOptions): Promise<R> {
    let env: Envelope;
    try {
      env = this.#envelope(type, body, options, undefined);
      env = { ...env, correlationId: env.id };
    } catch (e) {
      return Promise.reject(e);
    }
    const timeoutMs = options?.timeoutMs;
    if (timeoutMs !== undefined && (!Number.isFinite(timeoutMs) || timeoutMs < 0)) {
      return Promise.reject(new ShnError('INVALID_ARGUMENT', `timeoutMs must be a finite number >= 0, got ${String(timeoutMs)}`));
    }
    let reply: Promise<unknown>;
    try {
      reply = this.#target.askChain(env);
    } catch (e) {
      return Promise.reject(e);
    }
    if (timeoutMs === undefined) return reply as Promise<R>;
    const timer = this.#target.timer;
    return new Promise<R>((resolve, reject) => {
      const handle = timer.setTimeout(() => {
        reject(new ShnError('TIMEOUT', `ask ${type} to ${this.address.actor} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      reply.then(
        (value) => {
          timer.clearTimeout(handle);
          resolve(value as R);
        },
        (error: unknown) => {
          timer.clearTimeout(handle);
          reject(error);
        },
      );
    });
  }
}

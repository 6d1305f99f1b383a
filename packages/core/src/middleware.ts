import type { Envelope } from './envelope.js';

/** Continues the chain; returns what the next interceptor (or the final step) returned. */
export type Next<R> = (env: Envelope) => R;

/**
 * Interceptors around send, receive and ask. Telemetry, security, breakers, admission
 * control and chaos plug in here, so the mailbox runtime knows none of them.
 * Each hook may rewrite the envelope, short-circuit (return without calling `next`) or throw
 * a ShnError, which the runtime reports to the sender.
 */
export interface Middleware {
  /** A name for logs and ordering diagnostics. */
  readonly name: string;
  /** Around every outgoing tell; return `'full'`/`'closed'` to refuse. */
  send?(env: Envelope, next: Next<'accepted' | 'full' | 'closed'>): 'accepted' | 'full' | 'closed';
  /** Around every delivery to an actor; the result is the actor's result. */
  receive?(env: Envelope, next: Next<unknown>): unknown;
  /** Around every outgoing ask; the result is the reply promise. */
  ask?(env: Envelope, next: Next<Promise<unknown>>): Promise<unknown>;
}

/**
 * Composes middleware hooks around a final step, outermost first.
 * `compose(list, 'receive', final)(env)` runs `list[0].receive(env, → list[1].receive(…, → final))`.
 */
export function compose<K extends 'send' | 'receive' | 'ask', R>(
  list: readonly Middleware[],
  hook: K,
  final: Next<R>,
): Next<R> {
  let next: Next<R> = final;
  for (let i = list.length - 1; i >= 0; i--) {
    const m = list[i];
    const fn = m?.[hook] as ((env: Envelope, next: Next<R>) => R) | undefined;
    if (fn === undefined) continue;
    const inner = next;
    next = (env) => fn.call(m, env, inner);
  }
  return next;
}

import { ShnError } from './errors.js';
import type { Envelope } from './envelope.js';

/** Continues the chain; returns what the next interceptor (or the final step) returned. */
export type Next<R> = (env: Envelope) => R;

/** A `receive` hook made for one actor by {@link Middleware.receiveFor}. */
export type ReceiveHook = (env: Envelope, next: Next<unknown>) => unknown;

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
  /**
   * `receive` made for one actor, so that per-message work such as finding the actor's kind,
   * its counters or whether it is ignored is done once, not per delivery. A runtime asks it once
   * when it builds an actor's receive chain (when the actor is activated; the one actor of a
   * per-shard kind serves every id), with the actor's name (`kind/id`), and runs the returned
   * hook for every delivery to that actor in place of `receive`; `null` says this middleware has
   * nothing to do for that actor, whose deliveries then skip it. It must not throw. A runtime that
   * does not know it calls `receive`, so a middleware with `receiveFor` should keep `receive`,
   * doing the same. {@link composeReceive} builds such a chain.
   */
  receiveFor?(actor: string): ReceiveHook | null;
  /** Around every outgoing ask; the result is the reply promise. */
  ask?(env: Envelope, next: Next<Promise<unknown>>): Promise<unknown>;
  /**
   * Observes every outgoing tell once it was taken or refused, given only the destination actor
   * (`kind/id`) and the `send` result: for counting. It can neither rewrite nor refuse, and it
   * needs no envelope, so a runtime keeps its allocation-free tell path for a thread whose
   * middleware only observe tells. Runs after the whole `send` chain returned (not when it threw),
   * outermost first; it must not throw. `kind` is the destination's kind (`actor` up to its first
   * `/`) when the runtime has it at hand without parsing `actor` (a tell by kind and id), so a
   * counter per kind needs no string work; it is undefined otherwise.
   */
  sent?(actor: string, result: 'accepted' | 'full' | 'closed', kind?: string): void;
  /**
   * A hint for runtimes with an envelope-free tell path: `false` says this middleware's `send`
   * would pass the tell to `actor` on unchanged, so when every `send` middleware says so the
   * runtime may skip building an envelope and running the chain. Asked at most once per tell,
   * right before `send` would run; `send` may still be called for that tell (another
   * middleware wanted it, or the runtime does not ask) and must then pass it on unchanged too.
   * Without it, `send` sees every tell.
   */
  intercepts?(actor: string): boolean;
}

/** The observer of {@link Middleware.sent}: what the runtime calls after every tell. */
export type SentObserver = (actor: string, result: 'accepted' | 'full' | 'closed', kind?: string) => void;

/**
 * The `sent` hooks of `list` as one function, outermost first, or undefined when none has one.
 * {@link compose} calls it after a `send` chain; a runtime that skips the chain calls it itself.
 */
export function observeSent(list: readonly Middleware[]): SentObserver | undefined {
  const observers = list.filter((m) => typeof m.sent === 'function');
  if (observers.length === 0) return undefined;
  if (observers.length === 1) {
    const m = observers[0] as Middleware;
    return (actor, result, kind) => (m.sent as SentObserver).call(m, actor, result, kind);
  }
  if (observers.length === 2) {
    // Two (metrics and tracing) unrolled: this runs after every tell on the runtime's fast path,
    // where a for-of loop's iterator code takes inlining budget that the ring writes need.
    const a = observers[0] as Middleware;
    const b = observers[1] as Middleware;
    return (actor, result, kind) => {
      (a.sent as SentObserver).call(a, actor, result, kind);
      (b.sent as SentObserver).call(b, actor, result, kind);
    };
  }
  return (actor, result, kind) => {
    for (let i = 0; i < observers.length; i++) {
      const m = observers[i] as Middleware;
      (m.sent as SentObserver).call(m, actor, result, kind);
    }
  };
}

/**
 * Whether a tell to `actor` may skip the `send` chain of `list` (see {@link Middleware.intercepts}):
 * a function asking every `send` middleware once, or undefined when one has no `intercepts`
 * (then every tell needs the chain). With no `send` middleware at all it always says true.
 */
export function sendBypass(list: readonly Middleware[]): ((actor: string) => boolean) | undefined {
  const senders = list.filter((m) => typeof m.send === 'function');
  if (senders.some((m) => typeof m.intercepts !== 'function')) return undefined;
  if (senders.length === 0) return () => true;
  if (senders.length === 1) {
    const m = senders[0] as Middleware;
    return (actor) => !(m.intercepts as (a: string) => boolean).call(m, actor);
  }
  return (actor) => {
    let bypass = true;
    // Every one is asked (each may keep its decision for the send that follows).
    for (let i = 0; i < senders.length; i++) {
      const m = senders[i] as Middleware;
      if ((m.intercepts as (a: string) => boolean).call(m, actor)) bypass = false;
    }
    return bypass;
  };
}

/**
 * The receive chain of one actor (`kind/id`) around `final`, outermost first: each middleware's
 * {@link Middleware.receiveFor} hook for that actor (skipped when it returns `null`), else its
 * `receive`. Returns `final` itself when no middleware has anything to do for the actor.
 * @throws ShnError `INVALID_ARGUMENT` if a `receiveFor` returns something else than a function or `null`.
 */
export function composeReceive(list: readonly Middleware[], actor: string, final: Next<unknown>): Next<unknown> {
  let next: Next<unknown> = final;
  for (let i = list.length - 1; i >= 0; i--) {
    const m = list[i] as Middleware;
    const inner = next;
    if (typeof m.receiveFor === 'function') {
      const hook = m.receiveFor(actor);
      if (hook === null) continue;
      if (typeof hook !== 'function') {
        throw new ShnError('INVALID_ARGUMENT', `middleware ${String(m.name)}: receiveFor(${actor}) must return a function or null, got ${typeof hook}`);
      }
      next = (env) => hook(env, inner);
    } else if (typeof m.receive === 'function') {
      const fn = m.receive;
      next = (env) => fn.call(m, env, inner);
    }
  }
  return next;
}

/**
 * Composes middleware hooks around a final step, outermost first.
 * `compose(list, 'receive', final)(env)` runs `list[0].receive(env, → list[1].receive(…, → final))`.
 * A `send` chain then reports its result to the `sent` observers ({@link observeSent}).
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
  const observe = hook === 'send' ? observeSent(list) : undefined;
  if (observe === undefined) return next;
  const chain = next as unknown as Next<'accepted' | 'full' | 'closed'>;
  return ((env: Envelope) => {
    const r = chain(env);
    observe(env.to.actor, r);
    return r;
  }) as unknown as Next<R>;
}

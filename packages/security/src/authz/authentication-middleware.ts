import { AsyncLocalStorage } from 'node:async_hooks';
import { HEADERS, ShnError, isShnError, isThenable, systemClock } from '@shn/core';
import type { Clock, Envelope, Headers, Middleware, Next } from '@shn/core';
import { emitAudit } from './audit-event.js';
import type { AuditSink, AuthnAuditEvent } from './audit-event.js';
import { withHeaders } from './envelope-headers.js';

/**
 * Turns a credential (the `authorization` header value, e.g. `Bearer <jwt>` or `ApiKey <key>`)
 * into a principal, or throws/rejects a ShnError `UNAUTHENTICATED`. May be asynchronous.
 * `env` is the envelope being sent, or undefined when called from `prime`.
 */
export type Authenticate = (credential: string, env: Envelope | undefined) => string | Promise<string>;

/** Options for {@link authenticationMiddleware}. */
export interface AuthenticationOptions {
  readonly authenticate: Authenticate;
  /**
   * The principal of an envelope an actor sends without a credential; `actor` is the sender's
   * `kind/id` (from `env.from`, or else the actor whose message this thread is handling, tracked
   * with AsyncLocalStorage across awaits). Default `actor:<kind>`. Return undefined for anonymous.
   */
  readonly actorPrincipal?: (actor: string) => string | undefined;
  /** Refuse anonymous envelopes with `UNAUTHENTICATED` (default true). */
  readonly requireAuthentication?: boolean;
  /** Keep the `authorization` header on the envelope after verifying it (default false: credentials do not travel to actors). */
  readonly forwardCredential?: boolean;
  /** Successful verifications remembered per credential, so later tells verify synchronously; default 60 000 ms, 0 disables. */
  readonly cacheTtlMs?: number;
  readonly audit?: AuditSink;
  readonly clock?: Clock;
}

/** The authentication middleware, with a way to verify an asynchronous credential ahead of tells. */
export interface AuthenticationMiddleware extends Middleware {
  /** Verifies `credential` now and caches the principal, so synchronous tells carrying it pass. */
  prime(credential: string): Promise<string>;
}

const CACHE_MAX = 1024;
const defaultActorPrincipal = (actor: string): string => `actor:${actor.slice(0, Math.max(0, actor.indexOf('/'))) || actor}`;

/**
 * Authenticates every outgoing tell and ask and stamps the principal into the envelope header
 * `shn-principal` (`HEADERS.principal`). A principal header supplied by the caller is always
 * removed first: only this middleware sets it, so put it before the authorization middleware.
 *
 * Envelopes an actor sends are authenticated as that actor (`actor:<kind>` by default): the
 * middleware's `receive` hook remembers which actor the thread is running.
 *
 * Tells are synchronous: an asynchronous authenticator (a JWT check) can serve a tell only for a
 * credential verified before (by an ask, or {@link AuthenticationMiddleware.prime}); otherwise
 * the tell throws `UNAUTHENTICATED` naming this.
 */
export function authenticationMiddleware(options: AuthenticationOptions): AuthenticationMiddleware {
  if (typeof options?.authenticate !== 'function') throw new ShnError('INVALID_ARGUMENT', 'authenticationMiddleware needs authenticate(credential, env)');
  const ttl = options.cacheTtlMs ?? 60_000;
  if (!Number.isFinite(ttl) || ttl < 0) throw new ShnError('INVALID_ARGUMENT', `cacheTtlMs must be >= 0, got ${String(ttl)}`);
  const clock = options.clock ?? systemClock;
  const actorPrincipal = options.actorPrincipal ?? defaultActorPrincipal;
  const required = options.requireAuthentication ?? true;
  const cache = new Map<string, { principal: string; until: number }>();
  // Which actor this thread is running (its kind/id), across the awaits of an async receive.
  const acting = new AsyncLocalStorage<string>();

  const audit = (env: Envelope, phase: 'send' | 'ask', outcome: 'ok' | 'failed', method: AuthnAuditEvent['method'], principal: string | undefined, reason?: string): void => {
    emitAudit(options.audit, {
      type: 'authn',
      at: clock.now(),
      phase,
      outcome,
      method,
      principal,
      messageType: env.type,
      actor: env.to.actor,
      ...(reason === undefined ? {} : { reason }),
    });
  };

  const remember = (credential: string, principal: string): void => {
    if (ttl === 0) return;
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(credential, { principal, until: clock.monotonic() + ttl });
  };

  const cached = (credential: string): string | undefined => {
    const c = cache.get(credential);
    if (c === undefined) return undefined;
    if (clock.monotonic() > c.until) {
      cache.delete(credential);
      return undefined;
    }
    return c.principal;
  };

  const stamped = (env: Envelope, principal: string | undefined): Envelope => {
    const h: Headers = { ...env.headers };
    delete h[HEADERS.principal];
    if (options.forwardCredential !== true) delete h[HEADERS.authorization];
    if (principal !== undefined) h[HEADERS.principal] = principal;
    return withHeaders(env, h);
  };

  const failure = (e: unknown): ShnError =>
    isShnError(e) && (e.code === 'UNAUTHENTICATED' || e.code === 'PERMISSION_DENIED') ? e : new ShnError('UNAUTHENTICATED', `credential refused: ${(e as Error)?.message ?? String(e)}`, { cause: e });

  /** The principal for an envelope without credential, or throws. */
  const withoutCredential = (env: Envelope, phase: 'send' | 'ask'): string | undefined => {
    const sender = env.from?.actor ?? acting.getStore();
    const p = sender === undefined ? undefined : actorPrincipal(sender);
    if (p !== undefined) {
      audit(env, phase, 'ok', 'actor', p);
      return p;
    }
    if (required) {
      audit(env, phase, 'failed', 'anonymous', undefined, 'no credential');
      throw new ShnError('UNAUTHENTICATED', `${env.type} to ${env.to.actor} carries no credential (authorization header) and anonymous envelopes are refused`);
    }
    audit(env, phase, 'ok', 'anonymous', undefined);
    return undefined;
  };

  return {
    name: 'shn-authentication',
    receive(env: Envelope, next: Next<unknown>): unknown {
      return acting.run(env.to.actor, next, env);
    },
    send(env: Envelope, next: Next<'accepted' | 'full' | 'closed'>): 'accepted' | 'full' | 'closed' {
      const credential = env.headers[HEADERS.authorization];
      if (credential === undefined) return next(stamped(env, withoutCredential(env, 'send')));
      let principal = cached(credential);
      if (principal === undefined) {
        let r: string | Promise<string>;
        try {
          r = options.authenticate(credential, env);
        } catch (e) {
          const err = failure(e);
          audit(env, 'send', 'failed', 'credential', undefined, err.message);
          throw err;
        }
        if (isThenable(r)) {
          (r as Promise<string>).catch(() => undefined);
          audit(env, 'send', 'failed', 'credential', undefined, 'asynchronous credential not verified yet');
          throw new ShnError('UNAUTHENTICATED', `${env.type} to ${env.to.actor}: this credential needs asynchronous verification; verify it first with an ask or prime(credential)`);
        }
        principal = r;
        remember(credential, principal);
      }
      audit(env, 'send', 'ok', 'credential', principal);
      return next(stamped(env, principal));
    },
    ask(env: Envelope, next: Next<Promise<unknown>>): Promise<unknown> {
      const credential = env.headers[HEADERS.authorization];
      try {
        if (credential === undefined) return next(stamped(env, withoutCredential(env, 'ask')));
        const hit = cached(credential);
        if (hit !== undefined) {
          audit(env, 'ask', 'ok', 'credential', hit);
          return next(stamped(env, hit));
        }
        return Promise.resolve(options.authenticate(credential, env)).then(
          (principal) => {
            remember(credential, principal);
            audit(env, 'ask', 'ok', 'credential', principal);
            return next(stamped(env, principal));
          },
          (e: unknown) => {
            const err = failure(e);
            audit(env, 'ask', 'failed', 'credential', undefined, err.message);
            throw err;
          },
        );
      } catch (e) {
        const err = failure(e);
        return Promise.reject(err);
      }
    },
    async prime(credential: string): Promise<string> {
      const principal = await Promise.resolve(options.authenticate(credential, undefined)).catch((e: unknown) => {
        throw failure(e);
      });
      remember(credential, principal);
      return principal;
    },
  };
}

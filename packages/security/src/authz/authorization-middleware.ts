import { HEADERS, ShnError, systemClock } from '@shn/core';
import type { Clock, Envelope, Middleware, Next } from '@shn/core';
import { emitAudit } from './audit-event.js';
import type { AuditPhase, AuditSink } from './audit-event.js';
import { CompiledPolicy } from './authorization-policy.js';
import type { AuthorizationPolicy } from './authorization-policy.js';

/** Options for {@link authorizationMiddleware}. */
export interface AuthorizationOptions {
  /** Who may send what to which kinds; deny by default unless `defaultEffect: 'allow'`. */
  readonly policy: AuthorizationPolicy | CompiledPolicy;
  /** Receives every decision, allow and deny. */
  readonly audit?: AuditSink;
  /**
   * Where to check (default all three). `send`/`ask` refuse on the sending thread, so the sender
   * gets `PERMISSION_DENIED` at once; `receive` re-checks on the receiving shard (zero trust:
   * nothing reaches an actor unchecked, whatever path it took).
   */
  readonly phases?: readonly AuditPhase[];
  readonly clock?: Clock;
}

function kindOf(actor: string): string {
  const slash = actor.indexOf('/');
  return slash < 0 ? actor : actor.slice(0, slash);
}

/**
 * Per-message, zero-trust authorization: every tell, ask and delivery is checked against the
 * policy using the principal in the `shn-principal` header (set by the authentication
 * middleware), the message type and the destination actor kind. A refused message is not
 * delivered: `send`/`ask` throw/reject `PERMISSION_DENIED` to the sender; `receive` throws
 * `PERMISSION_DENIED` for an ask before the actor runs, and drops a refused tell (its audit event
 * is the record). Every decision is an audit event.
 */
export function authorizationMiddleware(options: AuthorizationOptions): Middleware {
  const policy = options?.policy instanceof CompiledPolicy ? options.policy : new CompiledPolicy(options?.policy);
  const clock = options.clock ?? systemClock;
  const phases = new Set(options.phases ?? ['send', 'ask', 'receive']);
  for (const p of phases) {
    if (p !== 'send' && p !== 'ask' && p !== 'receive') throw new ShnError('INVALID_ARGUMENT', `phases must be among send, ask, receive; got ${String(p)}`);
  }

  const check = (env: Envelope, phase: AuditPhase): void => {
    const principal = env.headers[HEADERS.principal];
    const kind = kindOf(env.to.actor);
    const d = policy.decide(principal, env.type, kind);
    emitAudit(options.audit, {
      type: 'authz',
      at: clock.now(),
      phase,
      decision: d.allowed ? 'allow' : 'deny',
      principal,
      messageType: env.type,
      kind,
      actor: env.to.actor,
      rule: d.rule,
      reason: d.reason,
    });
    if (!d.allowed) {
      throw new ShnError(
        'PERMISSION_DENIED',
        `PERMISSION_DENIED: ${principal === undefined ? 'an anonymous sender' : `principal ${principal}`} may not send ${env.type} to ${kind} actors (${d.reason})`,
        { details: { principal, type: env.type, kind, rule: d.rule, phase } },
      );
    }
  };

  const m: { -readonly [K in keyof Middleware]: Middleware[K] } = { name: 'shn-authorization' };
  if (phases.has('send')) {
    m.send = (env: Envelope, next: Next<'accepted' | 'full' | 'closed'>) => {
      check(env, 'send');
      return next(env);
    };
  }
  if (phases.has('ask')) {
    m.ask = (env: Envelope, next: Next<Promise<unknown>>) => {
      try {
        check(env, 'ask');
      } catch (e) {
        return Promise.reject(e);
      }
      return next(env);
    };
  }
  if (phases.has('receive')) {
    m.receive = (env: Envelope, next: Next<unknown>) => {
      try {
        check(env, 'receive');
      } catch (e) {
        // A refused tell has no one to answer: it is dropped here (the audit event records it),
        // so the runtime does not count it as an actor failure. A refused ask throws, so the
        // asker gets an error.
        if (env.correlationId === undefined) return undefined;
        throw e;
      }
      return next(env);
    };
  }
  return m;
}

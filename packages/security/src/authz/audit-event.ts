/** Where in the message path a decision was made. */
export type AuditPhase = 'send' | 'ask' | 'receive';

/** One authorization decision (allow or deny) about one envelope. Plain data: structured-clone safe. */
export interface AuthzAuditEvent {
  readonly type: 'authz';
  /** Epoch ms from the middleware's Clock. */
  readonly at: number;
  readonly phase: AuditPhase;
  readonly decision: 'allow' | 'deny';
  /** The authenticated principal, or undefined for an anonymous envelope. */
  readonly principal: string | undefined;
  readonly messageType: string;
  /** The destination actor kind and name (`kind/id`). */
  readonly kind: string;
  readonly actor: string;
  /** Index of the policy rule that decided, or -1 for the default effect. */
  readonly rule: number;
  readonly reason: string;
}

/** One authentication outcome. */
export interface AuthnAuditEvent {
  readonly type: 'authn';
  readonly at: number;
  readonly phase: 'send' | 'ask';
  readonly outcome: 'ok' | 'failed';
  /** `credential` (an authorization header was verified), `actor` (sent by an actor), `anonymous`. */
  readonly method: 'credential' | 'actor' | 'anonymous';
  readonly principal: string | undefined;
  readonly messageType: string;
  readonly actor: string;
  /** Why it failed (never the credential itself). */
  readonly reason?: string;
}

/** An audit record from the security middleware. */
export type AuditEvent = AuthzAuditEvent | AuthnAuditEvent;

/** Receives audit events. Must not throw; a throwing sink is caught and ignored so it cannot stop enforcement. */
export type AuditSink = (event: AuditEvent) => void;

/** Calls a sink, swallowing its failures. @internal */
export function emitAudit(sink: AuditSink | undefined, event: AuditEvent): void {
  if (sink === undefined) return;
  try {
    sink(event);
  } catch {
    // An audit sink that throws must not turn a deny into an allow or crash delivery.
  }
}

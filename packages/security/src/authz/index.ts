export type { AuditEvent, AuditPhase, AuditSink, AuthnAuditEvent, AuthzAuditEvent } from './audit-event.js';
export { CompiledPolicy, POLICY_CACHE_SIZE } from './authorization-policy.js';
export type { AuthorizationPolicy, PolicyDecision, PolicyRule } from './authorization-policy.js';
export { authenticationMiddleware } from './authentication-middleware.js';
export type { Authenticate, AuthenticationMiddleware, AuthenticationOptions } from './authentication-middleware.js';
export { authorizationMiddleware } from './authorization-middleware.js';
export type { AuthorizationOptions } from './authorization-middleware.js';
export { bearerAuthenticator } from './bearer-authenticator.js';

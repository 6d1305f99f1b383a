/**
 * Header names that shn packages agree on, so that one package can read what another wrote
 * without depending on it. Header names are lower-case.
 */
export const HEADERS = Object.freeze({
  /** W3C trace context (`@shn/telemetry`). */
  traceparent: 'traceparent',
  /** W3C trace state (`@shn/telemetry`). */
  tracestate: 'tracestate',
  /** The authenticated principal that sent the envelope (`@shn/security`); set only by trusted middleware. */
  principal: 'shn-principal',
  /** A bearer credential; telemetry and logs redact it. */
  authorization: 'authorization',
  /** The tenant an envelope is accounted to (weighted fair queuing, quotas). */
  tenant: 'shn-tenant',
  /** Marks an ask as safe to retry (`@shn/breaker` retries only these): `"1"`. */
  retryable: 'shn-retryable',
});

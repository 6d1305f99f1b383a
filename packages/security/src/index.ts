/**
 * @packageDocumentation
 * `@shn/security`: mutual TLS, authentication (API keys, JWT, Redis-style ACLs), per-message
 * zero-trust authorization middleware, and sealing (AEAD keyrings, envelope encryption).
 */
export * from './sealing/index.js';
export * from './acl/index.js';
export * from './tls/index.js';
export * from './auth/index.js';
export * from './authz/index.js';

import { ShnError } from '@shn/core';
import type { ApiKeyStore } from '../auth/api-keys.js';
import type { JwtVerifier } from '../auth/jwt-verifier.js';
import type { Authenticate } from './authentication-middleware.js';

/**
 * An {@link Authenticate} for `authorization` header values: `ApiKey <key>` (synchronous) and
 * `Bearer <jwt>` (asynchronous). Any other scheme, or a scheme without a configured verifier,
 * is `UNAUTHENTICATED`.
 */
export function bearerAuthenticator(options: { readonly apiKeys?: ApiKeyStore; readonly jwt?: JwtVerifier }): Authenticate {
  return (credential) => {
    if (typeof credential !== 'string') throw new ShnError('UNAUTHENTICATED', 'authorization header must be a string');
    if (credential.startsWith('ApiKey ') && options.apiKeys !== undefined) return options.apiKeys.verify(credential.slice(7)).principal;
    if (credential.startsWith('Bearer ') && options.jwt !== undefined) return options.jwt.verify(credential.slice(7)).then((v) => v.principal);
    throw new ShnError('UNAUTHENTICATED', `authorization scheme not accepted (use ${[options.apiKeys && 'ApiKey', options.jwt && 'Bearer'].filter(Boolean).join(' or ') || 'nothing: no verifier configured'})`);
  };
}

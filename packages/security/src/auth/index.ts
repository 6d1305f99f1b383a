export { checkScope, hasScope, scopeCovers } from './scopes.js';
export { ApiKeyStore, MAX_API_KEY_LENGTH } from './api-keys.js';
export type { ApiKeyIdentity, ApiKeyRecord, ApiKeyStoreOptions } from './api-keys.js';
export { JWT_ALGORITHMS, JwtVerifier, MAX_JWT_LENGTH, localJwks, remoteJwks } from './jwt-verifier.js';
export type { JwtAlgorithm, JwtVerifierOptions, VerifiedJwt } from './jwt-verifier.js';

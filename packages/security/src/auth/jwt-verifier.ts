import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JSONWebKeySet, JWTPayload, JWTVerifyGetKey } from 'jose';
import { ShnError, systemClock } from '@shn/core';
import type { Clock } from '@shn/core';

/** Asymmetric JWS algorithms a verifier may pin. `none` and the HMAC family are not offered for JWKS. */
export const JWT_ALGORITHMS = Object.freeze(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const);

/** One pinned algorithm. */
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** The longest token the verifier looks at, characters (8 KiB). */
export const MAX_JWT_LENGTH = 8192;

/** Options for {@link JwtVerifier}. */
export interface JwtVerifierOptions {
  /** Where the keys come from: {@link localJwks} or {@link remoteJwks}. Keys are picked by `kid`. */
  readonly jwks: JWTVerifyGetKey;
  /** The algorithms accepted (pinned); at least one of {@link JWT_ALGORITHMS}. */
  readonly algorithms: readonly JwtAlgorithm[];
  /** Required `iss`. */
  readonly issuer: string | readonly string[];
  /** Required `aud` (the token must name one of these). */
  readonly audience: string | readonly string[];
  /** Clock skew allowed on `exp`/`nbf`/`iat`, seconds; default 30, at most 300. */
  readonly clockToleranceSec?: number;
  /** Refuse tokens whose `iat` is older than this, seconds (optional). */
  readonly maxTokenAgeSec?: number;
  /** The claim naming the principal; default `sub`. */
  readonly principalClaim?: string;
  /** Time source for `exp`/`nbf` checks. */
  readonly clock?: Clock;
}

/** A verified token. */
export interface VerifiedJwt {
  readonly principal: string;
  /** From `scope` (space separated) or `scp` (array). */
  readonly scopes: readonly string[];
  readonly claims: JWTPayload;
  /** The `kid` of the key that verified it. */
  readonly keyId: string | undefined;
}

/** A key set from JWKS JSON held in memory (tests, config files); rotation = build a new one. */
export function localJwks(jwks: JSONWebKeySet): JWTVerifyGetKey {
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(jwks.keys)) throw new ShnError('INVALID_ARGUMENT', 'JWKS must be { keys: [...] }');
  return createLocalJWKSet(jwks);
}

/**
 * A key set fetched from a JWKS URL (jose's `createRemoteJWKSet`): cached for `cacheMaxAgeMs`
 * (default 10 min); a token with an unknown `kid` triggers a refetch at most every `cooldownMs`
 * (default 30 s), which is how key rotation at the issuer reaches the verifier.
 */
export function remoteJwks(url: URL | string, options: { readonly cacheMaxAgeMs?: number; readonly cooldownMs?: number; readonly timeoutMs?: number } = {}): JWTVerifyGetKey {
  let u: URL;
  try {
    u = new URL(url);
  } catch (cause) {
    throw new ShnError('INVALID_ARGUMENT', `JWKS url is not a URL: ${String(url)}`, { cause });
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new ShnError('INVALID_ARGUMENT', `JWKS url must be https: (or http: on loopback), got ${u.protocol}`);
  return createRemoteJWKSet(u, {
    cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
    cooldownDuration: options.cooldownMs ?? 30_000,
    timeoutDuration: options.timeoutMs ?? 5_000,
  });
}

function reasonOf(e: unknown): string {
  if (e instanceof errors.JWTExpired) return `expired (${e.claim} check failed)`;
  if (e instanceof errors.JWTClaimValidationFailed) return `claim ${e.claim} check failed: ${e.reason}`;
  if (e instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'signature verification failed';
  if (e instanceof errors.JWKSNoMatchingKey) return 'no key in the JWKS matches the token kid';
  if (e instanceof errors.JWKSMultipleMatchingKeys) return 'several JWKS keys match; the token needs a kid';
  if (e instanceof errors.JWKSTimeout) return 'JWKS fetch timed out';
  if (e instanceof errors.JOSEError) return `${e.code}: ${e.message}`;
  return String((e as Error)?.message ?? e);
}

/**
 * Verifies JWTs with jose: signature by a `kid`-selected JWKS key, the pinned algorithms only
 * (so `alg: none` and an HS256 token made with an RSA public key as the secret are refused), and
 * `exp` (required), `nbf`, `iss` and `aud`.
 */
export class JwtVerifier {
  readonly #o: JwtVerifierOptions;
  readonly #clock: Clock;
  readonly #tolerance: number;

  /** @throws ShnError `INVALID_ARGUMENT` for missing issuer/audience/jwks or algorithms outside {@link JWT_ALGORITHMS}. */
  constructor(options: JwtVerifierOptions) {
    if (typeof options?.jwks !== 'function') throw new ShnError('INVALID_ARGUMENT', 'JwtVerifier needs jwks (localJwks or remoteJwks)');
    if (!Array.isArray(options.algorithms) || options.algorithms.length === 0 || options.algorithms.some((a) => !(JWT_ALGORITHMS as readonly string[]).includes(a))) {
      throw new ShnError('INVALID_ARGUMENT', `algorithms must be a non-empty list of ${JWT_ALGORITHMS.join(', ')}`);
    }
    for (const f of ['issuer', 'audience'] as const) {
      const v = options[f];
      if (!(typeof v === 'string' && v.length > 0) && !(Array.isArray(v) && v.length > 0)) throw new ShnError('INVALID_ARGUMENT', `JwtVerifier needs ${f}`);
    }
    const tol = options.clockToleranceSec ?? 30;
    if (!Number.isFinite(tol) || tol < 0 || tol > 300) throw new ShnError('INVALID_ARGUMENT', `clockToleranceSec must be in [0, 300], got ${String(tol)}`);
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#tolerance = tol;
  }

  /**
   * Verifies a compact JWT (a leading `Bearer ` is stripped).
   * @throws ShnError `UNAUTHENTICATED` naming why (malformed, algorithm, signature, expired, nbf, aud, iss, unknown kid, no principal).
   */
  async verify(token: unknown): Promise<VerifiedJwt> {
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_JWT_LENGTH) {
      throw new ShnError('UNAUTHENTICATED', `JWT refused: not a non-empty string of at most ${MAX_JWT_LENGTH} characters`);
    }
    const compact = token.startsWith('Bearer ') ? token.slice(7) : token;
    let result;
    try {
      result = await jwtVerify(compact, this.#o.jwks, {
        algorithms: [...this.#o.algorithms],
        issuer: this.#o.issuer as string | string[],
        audience: this.#o.audience as string | string[],
        clockTolerance: this.#tolerance,
        currentDate: new Date(this.#clock.now()),
        requiredClaims: ['exp'],
        ...(this.#o.maxTokenAgeSec === undefined ? {} : { maxTokenAge: this.#o.maxTokenAgeSec }),
      });
    } catch (e) {
      throw new ShnError('UNAUTHENTICATED', `JWT refused: ${reasonOf(e)}`, { cause: e, details: { reason: (e as { code?: string })?.code ?? 'invalid' } });
    }
    const claim = this.#o.principalClaim ?? 'sub';
    const principal = result.payload[claim];
    if (typeof principal !== 'string' || principal.length === 0) throw new ShnError('UNAUTHENTICATED', `JWT refused: claim ${claim} (the principal) is missing`);
    const scope = result.payload.scope;
    const scp = (result.payload as { scp?: unknown }).scp;
    const scopes = typeof scope === 'string' ? scope.split(' ').filter((s) => s.length > 0) : Array.isArray(scp) ? scp.filter((s): s is string => typeof s === 'string') : [];
    return { principal, scopes, claims: result.payload, keyId: result.protectedHeader.kid };
  }
}

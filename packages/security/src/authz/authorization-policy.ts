import { ShnError } from '@shn/core';
import { redisGlobMatch } from '../acl/redis-glob.js';

/** One rule: which principals may (or may not) send which message types to which actor kinds. */
export interface PolicyRule {
  /** `allow` (default) or `deny`. A matching deny beats every allow. */
  readonly effect?: 'allow' | 'deny';
  /**
   * Principals, as globs (`*`, `?`, `[...]`, Redis syntax): `alice`, `svc:*`, `actor:counter`.
   * `*` matches every authenticated principal; the word `anonymous` matches only envelopes
   * without one (never a principal that happens to be named so).
   */
  readonly principals: readonly string[];
  /** Message types, as globs (`get`, `set`, `*`). */
  readonly types: readonly string[];
  /** Destination actor kinds, as globs (`counter`, `kv-*`, `*`). */
  readonly kinds: readonly string[];
}

/** A policy: rules plus what happens when none matches. Plain JSON, so it can travel as system params. */
export interface AuthorizationPolicy {
  readonly rules: readonly PolicyRule[];
  /** `deny` (zero trust: default) or `allow`. */
  readonly defaultEffect?: 'deny' | 'allow';
}

/** The outcome of {@link CompiledPolicy.decide}. */
export interface PolicyDecision {
  readonly allowed: boolean;
  /** The deciding rule's index, or -1 when the default effect decided. */
  readonly rule: number;
  readonly reason: string;
}

type Matcher = (s: string) => boolean;

function compileGlob(glob: string): Matcher {
  if (!/[*?[\\]/.test(glob)) return (s) => s === glob;
  if (glob === '*') return () => true;
  const pattern = Buffer.from(glob, 'utf8');
  return (s) => redisGlobMatch(pattern, Buffer.from(s, 'utf8'));
}

function compileList(list: unknown, what: string, index: number): Matcher {
  if (!Array.isArray(list) || list.length === 0 || list.some((g) => typeof g !== 'string' || g.length === 0 || g.length > 256)) {
    throw new ShnError('INVALID_ARGUMENT', `policy rule ${index}: ${what} must be a non-empty array of non-empty strings (at most 256 chars)`);
  }
  const ms = (list as string[]).map(compileGlob);
  return (s) => ms.some((m) => m(s));
}

interface CompiledRule {
  readonly allow: boolean;
  readonly principal: (p: string | undefined) => boolean;
  readonly type: Matcher;
  readonly kind: Matcher;
}

/** The most decisions a compiled policy remembers (per thread). */
export const POLICY_CACHE_SIZE = 4096;

/**
 * A validated, compiled {@link AuthorizationPolicy}. Decisions are memoised per
 * (principal, type, kind) in a bounded cache, so the hot path is one Map lookup.
 */
export class CompiledPolicy {
  readonly defaultAllow: boolean;
  readonly #rules: CompiledRule[];
  readonly #cache = new Map<string, PolicyDecision>();

  /** @throws ShnError `INVALID_ARGUMENT` for a malformed policy, naming the rule and field. */
  constructor(policy: AuthorizationPolicy) {
    if (typeof policy !== 'object' || policy === null || !Array.isArray(policy.rules)) {
      throw new ShnError('INVALID_ARGUMENT', 'policy must be { rules: [...], defaultEffect?: "deny" | "allow" }');
    }
    const d = policy.defaultEffect ?? 'deny';
    if (d !== 'deny' && d !== 'allow') throw new ShnError('INVALID_ARGUMENT', `policy defaultEffect must be 'deny' or 'allow', got ${String(d)}`);
    this.defaultAllow = d === 'allow';
    this.#rules = policy.rules.map((r, i) => {
      if (typeof r !== 'object' || r === null) throw new ShnError('INVALID_ARGUMENT', `policy rule ${i} must be an object`);
      const effect = r.effect ?? 'allow';
      if (effect !== 'allow' && effect !== 'deny') throw new ShnError('INVALID_ARGUMENT', `policy rule ${i}: effect must be 'allow' or 'deny'`);
      compileList(r.principals, 'principals', i);
      const named = (r.principals as readonly string[]).filter((x: string) => x !== 'anonymous');
      const globs = named.length === 0 ? () => false : compileList(named, 'principals', i);
      const anonymous = r.principals.includes('anonymous');
      return {
        allow: effect === 'allow',
        principal: (p: string | undefined) => (p === undefined ? anonymous : globs(p)),
        type: compileList(r.types, 'types', i),
        kind: compileList(r.kinds, 'kinds', i),
      };
    });
  }

  /** Decides whether `principal` (undefined = anonymous) may send `type` to an actor of `kind`. */
  decide(principal: string | undefined, type: string, kind: string): PolicyDecision {
    // Length-prefixed, so no choice of principal and type (which senders pick) can collide.
    const key = `${principal === undefined ? '-' : `${principal.length}:${principal}`}${type.length}:${type}${kind}`;
    const hit = this.#cache.get(key);
    if (hit !== undefined) return hit;
    const d = this.#decide(principal, type, kind);
    if (this.#cache.size >= POLICY_CACHE_SIZE) this.#cache.clear();
    this.#cache.set(key, d);
    return d;
  }

  #decide(principal: string | undefined, type: string, kind: string): PolicyDecision {
    let allowRule = -1;
    for (let i = 0; i < this.#rules.length; i++) {
      const r = this.#rules[i] as CompiledRule;
      if (!r.principal(principal) || !r.type(type) || !r.kind(kind)) continue;
      if (!r.allow) return { allowed: false, rule: i, reason: `denied by rule ${i}` };
      if (allowRule < 0) allowRule = i;
    }
    if (allowRule >= 0) return { allowed: true, rule: allowRule, reason: `allowed by rule ${allowRule}` };
    return this.defaultAllow
      ? { allowed: true, rule: -1, reason: 'no rule matched; default allow' }
      : { allowed: false, rule: -1, reason: 'no rule matched; default deny' };
  }
}

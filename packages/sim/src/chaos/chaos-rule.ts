import { SHN_ERROR_CODES, ShnError } from '@shn/core';
import type { Envelope, ShnErrorCode } from '@shn/core';
import { validateLatencyDistribution } from './latency-distribution.js';
import type { LatencyDistribution } from './latency-distribution.js';

/** The Middleware hook a rule acts in. `send` = outgoing tells, `ask` = outgoing asks, `receive` = delivery to an actor. */
export type ChaosHook = 'send' | 'receive' | 'ask';

/**
 * What a rule does when it fires.
 *
 * - `latency`: delays the envelope by a draw from `delay` (ms).
 * - `drop`: loses the envelope (see {@link chaosMiddleware} for what the sender sees).
 * - `duplicate`: delivers `copies` extra copies (default 1, at most 16).
 * - `error`: throws `new ShnError(code, message)` from the hook.
 */
export type ChaosAction =
  | { readonly kind: 'latency'; readonly delay: LatencyDistribution }
  | { readonly kind: 'drop' }
  | { readonly kind: 'duplicate'; readonly copies?: number }
  | { readonly kind: 'error'; readonly code: ShnErrorCode; readonly message?: string };

/** Which envelopes a rule applies to; every given field must match (absent = any). */
export interface ChaosMatch {
  /** Message types (`env.type`). */
  readonly types?: readonly string[];
  /** Actor kinds (the `kind` of `env.to.actor`, `kind/id`). */
  readonly kinds?: readonly string[];
  /** Target shards (`env.to.shard`). */
  readonly shards?: readonly number[];
  /** `true`: asks only (envelopes with a `correlationId`); `false`: tells only. */
  readonly asks?: boolean;
  /** Any further test. Not serialisable: construct such rules inside the system module. */
  readonly predicate?: (env: Envelope) => boolean;
}

/** One chaos rule. Everything but `match.predicate` is plain JSON-able data. */
export interface ChaosRule {
  /** A name for stats (default `rule<i>`). */
  readonly name?: string;
  readonly match?: ChaosMatch;
  /**
   * Hooks the rule acts in. Defaults: latency → `['receive']`; drop → `['send', 'ask']`;
   * duplicate → `['receive']`; error → `['send', 'ask']`. `duplicate` may not use `ask`.
   */
  readonly hooks?: readonly ChaosHook[];
  /** Chance in [0, 1] that a matching envelope is affected (default 1). */
  readonly probability?: number;
  readonly action: ChaosAction;
}

/** A rule after validation, with defaults filled in. */
export interface ResolvedChaosRule {
  readonly name: string;
  readonly hooks: ReadonlySet<ChaosHook>;
  readonly probability: number;
  readonly types: ReadonlySet<string> | undefined;
  readonly kinds: ReadonlySet<string> | undefined;
  readonly shards: ReadonlySet<number> | undefined;
  readonly asks: boolean | undefined;
  readonly predicate: ((env: Envelope) => boolean) | undefined;
  readonly action: ChaosAction;
}

const DEFAULT_HOOKS: Record<ChaosAction['kind'], readonly ChaosHook[]> = {
  latency: ['receive'],
  drop: ['send', 'ask'],
  duplicate: ['receive'],
  error: ['send', 'ask'],
};

function fail(msg: string): never {
  throw new ShnError('INVALID_ARGUMENT', msg);
}

function stringSet(where: string, v: unknown): ReadonlySet<string> | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s.length === 0)) fail(`${where} must be an array of non-empty strings`);
  return new Set(v as string[]);
}

function validateAction(where: string, v: unknown): ChaosAction {
  if (typeof v !== 'object' || v === null) fail(`${where} must be an object with a kind`);
  const a = v as Record<string, unknown>;
  switch (a['kind']) {
    case 'latency':
      return { kind: 'latency', delay: validateLatencyDistribution(a['delay'], `${where}.delay`) };
    case 'drop':
      return { kind: 'drop' };
    case 'duplicate': {
      const copies = a['copies'] ?? 1;
      if (typeof copies !== 'number' || !Number.isInteger(copies) || copies < 1 || copies > 16) {
        fail(`${where}.copies must be an integer in [1, 16], got ${JSON.stringify(copies)}`);
      }
      return { kind: 'duplicate', copies };
    }
    case 'error': {
      const code = a['code'];
      if (typeof code !== 'string' || !(SHN_ERROR_CODES as readonly string[]).includes(code)) {
        fail(`${where}.code must be a ShnErrorCode, got ${JSON.stringify(code)}`);
      }
      const message = a['message'];
      if (message !== undefined && typeof message !== 'string') fail(`${where}.message must be a string`);
      return message === undefined ? { kind: 'error', code: code as ShnErrorCode } : { kind: 'error', code: code as ShnErrorCode, message };
    }
    default:
      return fail(`${where}.kind must be latency, drop, duplicate or error, got ${JSON.stringify(a['kind'])}`);
  }
}

/**
 * Validates chaos rules given as untrusted data (parsed JSON or hand-written objects) and
 * fills in defaults.
 * @throws ShnError `INVALID_ARGUMENT` naming the first bad field (`rules[i].…`).
 */
export function resolveChaosRules(rules: unknown): ResolvedChaosRule[] {
  if (!Array.isArray(rules)) fail('chaos rules must be an array');
  return rules.map((raw: unknown, i): ResolvedChaosRule => {
    const where = `rules[${i}]`;
    if (typeof raw !== 'object' || raw === null) fail(`${where} must be an object`);
    const r = raw as Record<string, unknown>;
    const action = validateAction(`${where}.action`, r['action']);
    const name = r['name'] ?? `rule${i}`;
    if (typeof name !== 'string' || name.length === 0) fail(`${where}.name must be a non-empty string`);
    const probability = r['probability'] ?? 1;
    if (typeof probability !== 'number' || !(probability >= 0 && probability <= 1)) {
      fail(`${where}.probability must be a number in [0, 1], got ${JSON.stringify(probability)}`);
    }
    const hooksRaw = r['hooks'] ?? DEFAULT_HOOKS[action.kind];
    if (!Array.isArray(hooksRaw) || hooksRaw.length === 0 || hooksRaw.some((h) => h !== 'send' && h !== 'receive' && h !== 'ask')) {
      fail(`${where}.hooks must be a non-empty array of "send", "receive", "ask"`);
    }
    const hooks = new Set(hooksRaw as ChaosHook[]);
    if (action.kind === 'duplicate' && hooks.has('ask')) {
      fail(`${where}: duplicate cannot act in the ask hook (one correlation id, one reply); use receive`);
    }
    const m = r['match'] ?? {};
    if (typeof m !== 'object' || m === null) fail(`${where}.match must be an object`);
    const match = m as Record<string, unknown>;
    const shardsRaw = match['shards'];
    if (shardsRaw !== undefined && (!Array.isArray(shardsRaw) || shardsRaw.some((s) => !Number.isInteger(s) || (s as number) < 0))) {
      fail(`${where}.match.shards must be an array of shard numbers >= 0`);
    }
    const asks = match['asks'];
    if (asks !== undefined && typeof asks !== 'boolean') fail(`${where}.match.asks must be a boolean`);
    const predicate = match['predicate'];
    if (predicate !== undefined && typeof predicate !== 'function') fail(`${where}.match.predicate must be a function`);
    return {
      name,
      hooks,
      probability,
      types: stringSet(`${where}.match.types`, match['types']),
      kinds: stringSet(`${where}.match.kinds`, match['kinds']),
      shards: shardsRaw === undefined ? undefined : new Set(shardsRaw as number[]),
      asks: asks as boolean | undefined,
      predicate: predicate as ((env: Envelope) => boolean) | undefined,
      action,
    };
  });
}

/**
 * Parses chaos rules from JSON text (e.g. an environment variable).
 * @throws ShnError `INVALID_ARGUMENT` for text that is not JSON or rules that do not validate.
 */
export function parseChaosRules(json: string): ResolvedChaosRule[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (cause) {
    throw new ShnError('INVALID_ARGUMENT', `chaos rules are not valid JSON: ${(cause as Error).message}`, { cause });
  }
  return resolveChaosRules(value);
}

/** Whether `rule` applies to `env` in `hook` (ignores probability). A throwing predicate counts as no match. */
export function ruleMatches(rule: ResolvedChaosRule, hook: ChaosHook, env: Envelope): boolean {
  if (!rule.hooks.has(hook)) return false;
  if (rule.types !== undefined && !rule.types.has(env.type)) return false;
  if (rule.kinds !== undefined) {
    const actor = env.to.actor;
    const slash = actor.indexOf('/');
    if (!rule.kinds.has(slash < 0 ? actor : actor.slice(0, slash))) return false;
  }
  if (rule.shards !== undefined && !rule.shards.has(env.to.shard)) return false;
  if (rule.asks !== undefined && rule.asks !== (env.correlationId !== undefined)) return false;
  if (rule.predicate !== undefined) {
    try {
      return rule.predicate(env) === true;
    } catch {
      return false;
    }
  }
  return true;
}

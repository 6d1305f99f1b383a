import { systemClock } from '@shn/core';
import type { Clock, Router, ShardLoad } from '@shn/core';
import { checkFunction, checkInt, checkPositive } from '../option-checks.js';
import { checkCandidates } from './candidates.js';

/** Options of {@link stickySessions}. */
export interface StickySessionOptions {
  /** The session a key belongs to (default: the key itself). */
  readonly sessionOf?: (key: string) => string;
  /** Sessions remembered, least recently used evicted first (default 10 000, at most 2^24). */
  readonly maxSessions?: number;
  /** A session not used for this long, ms of `clock.monotonic()`, is forgotten (default Infinity). */
  readonly idleTtlMs?: number;
  readonly clock?: Clock;
}

/** A sticky {@link Router}: the session table is inspectable. */
export interface StickyRouter extends Router {
  /** Sessions currently remembered. */
  readonly sessions: number;
  /** Forgets one session (its next pick goes to the inner router again). */
  forget(session: string): void;
}

/**
 * Sticky sessions: the first pick of a session goes to `inner` (say power of two choices), and
 * later picks of the same session return the same shard while it is a candidate and the session
 * has not idled out. Useful to keep a client's requests on the shard that has its cache warm
 * while new sessions still balance. Bounded memory (LRU of `maxSessions`).
 * @throws ShnError `INVALID_ARGUMENT` for bad options.
 */
export function stickySessions(inner: Router, options: StickySessionOptions = {}): StickyRouter {
  checkFunction('inner.pick', inner?.pick);
  const sessionOf = options.sessionOf === undefined ? (k: string) => k : checkFunction<(k: string) => string>('sessionOf', options.sessionOf);
  const max = checkInt('maxSessions', options.maxSessions ?? 10_000, 1, 2 ** 24);
  const ttl = checkPositive('idleTtlMs', options.idleTtlMs ?? Infinity, true);
  const clock = options.clock ?? systemClock;
  const table = new Map<string, { shard: number; lastUsed: number }>();
  return {
    name: `sticky(${inner.name})`,
    pick(key: string, candidates: readonly ShardLoad[]): number {
      checkCandidates(candidates, 'sticky');
      const session = sessionOf(key);
      const now = clock.monotonic();
      const hit = table.get(session);
      if (hit !== undefined) {
        table.delete(session);
        if (now - hit.lastUsed <= ttl && candidates.some((c) => c.shard === hit.shard)) {
          hit.lastUsed = Math.max(hit.lastUsed, now);
          table.set(session, hit);
          return hit.shard;
        }
      }
      const shard = inner.pick(key, candidates);
      table.set(session, { shard, lastUsed: now });
      if (table.size > max) table.delete(table.keys().next().value as string);
      return shard;
    },
    get sessions() {
      return table.size;
    },
    forget(session: string) {
      table.delete(session);
    },
  };
}

/**
 * shn-kv's circuit breakers on cross-shard hops: one @shn/breaker group per thread (one breaker
 * per destination shard, one wake-up timer for all), applied as ask middleware to asks that
 * leave the sender's shard (the gateway's asks from the main thread, and a shard's asks to
 * another shard in shard-owned mode). Same-shard asks pass unguarded.
 */
import type { Middleware } from '@shn/core';
import { breakerGroup, byShard, crossShard, formatSnapshot, resilienceMiddleware, type BreakerGroup } from '@shn/breaker';

const KEY = Symbol.for('shn-kv.breakers');

/** The breaker settings: trip at 50% failures over ≥ 20 calls in 10 s, or 10 failures in a row; open 1 s, backing off to 30 s. */
export const KV_BREAKER_OPTIONS = { minimumCalls: 20, failureRateThreshold: 0.5, consecutiveFailures: 10, openMs: 1000, maxOpenMs: 30_000 } as const;

/** This thread's breaker group (created on first use; shared by the system module and the server code through globalThis). */
export function kvBreakers(): BreakerGroup {
  const g = globalThis as Record<symbol, unknown>;
  return (g[KEY] ??= breakerGroup(KV_BREAKER_OPTIONS)) as BreakerGroup;
}

/** The ask middleware guarding cross-shard hops with {@link kvBreakers}. */
export function breakerMiddleware(): Middleware {
  return resilienceMiddleware({ key: crossShard(byShard), policy: kvBreakers() });
}

/** INFO `# Breakers` lines: `shard:1` → `state=closed,…` for every breaker this thread holds. */
export function breakerInfoFields(): readonly (readonly [string, string])[] {
  const g = globalThis as Record<symbol, unknown>;
  const group = g[KEY] as BreakerGroup | undefined;
  if (group === undefined) return [];
  return group.snapshot().map((s) => [s.destination, formatSnapshot(s)] as const);
}

import { systemClock, systemRng } from '@shn/core';
import type { Clock, Rng, Router, ShardLoad } from '@shn/core';
import { checkFunction, checkPositive, invalid } from '../option-checks.js';
import { checkCandidates } from './candidates.js';

/** Options of {@link healthAware}. */
export interface HealthAwareOptions {
  /** Slow start: a shard back up gets a share rising linearly from `minRampWeight` to 1 over this many ms (default 10 000). */
  readonly rampMs?: number;
  /** The share a shard gets right after it is marked up, in (0, 1] (default 0.1, as Envoy's slow start). */
  readonly minRampWeight?: number;
  readonly clock?: Clock;
  readonly rng?: Rng;
}

/** A health-aware {@link Router}: mark shards down and up, see how picks went. */
export interface HealthAwareRouter extends Router {
  /** Stops routing to `shard` (a failed health check, a crash, a full queue). */
  markDown(shard: number): void;
  /** Routes to `shard` again, ramping its share up over `rampMs`. */
  markUp(shard: number): void;
  /** `down`, `ramping` (with the current weight) or `up`. */
  health(shard: number): { readonly state: 'up' | 'down' | 'ramping'; readonly weight: number };
  /** Picks made while every candidate was down (they went to all candidates: fail open, Envoy's panic mode). */
  readonly panics: number;
}

/**
 * Health-aware routing over `inner`: shards marked down are skipped, and a shard marked up again
 * is ramped back in (slow start): a pick of it is kept with probability equal to its weight,
 * otherwise redone among the fully-up shards. If every candidate is down, picks fail open over
 * all of them and are counted as panics. With a consistent-hash `inner`, prefer rendezvous or
 * the ring (removing a shard from the candidates moves only its keys; jump hash reshuffles).
 * @throws ShnError `INVALID_ARGUMENT` for bad options.
 */
export function healthAware(inner: Router, options: HealthAwareOptions = {}): HealthAwareRouter {
  checkFunction('inner.pick', inner?.pick);
  const rampMs = checkPositive('rampMs', options.rampMs ?? 10_000);
  const minWeight = options.minRampWeight ?? 0.1;
  if (typeof minWeight !== 'number' || !(minWeight > 0 && minWeight <= 1)) throw invalid('minRampWeight', 'a number in (0, 1]', minWeight);
  const clock = options.clock ?? systemClock;
  const rng = options.rng ?? systemRng;
  const down = new Set<number>();
  const upSince = new Map<number, number>();
  let panics = 0;
  const weight = (shard: number, now: number): number => {
    if (down.has(shard)) return 0;
    const since = upSince.get(shard);
    if (since === undefined) return 1;
    const w = minWeight + ((1 - minWeight) * Math.max(0, now - since)) / rampMs;
    if (w >= 1) {
      upSince.delete(shard);
      return 1;
    }
    return w;
  };
  return {
    name: `health-aware(${inner.name})`,
    pick(key: string, candidates: readonly ShardLoad[]): number {
      checkCandidates(candidates, 'health-aware');
      const now = clock.monotonic();
      const healthy = down.size === 0 ? candidates : candidates.filter((c) => !down.has(c.shard));
      if (healthy.length === 0) {
        panics++;
        return inner.pick(key, candidates);
      }
      const shard = inner.pick(key, healthy);
      const w = weight(shard, now);
      if (w >= 1 || rng.next() < w) return shard;
      const full = healthy.filter((c) => weight(c.shard, now) >= 1);
      return full.length === 0 ? shard : inner.pick(key, full);
    },
    markDown(shard: number) {
      down.add(shard);
      upSince.delete(shard);
    },
    markUp(shard: number) {
      if (!down.delete(shard)) return;
      upSince.set(shard, clock.monotonic());
    },
    health(shard: number) {
      const w = weight(shard, clock.monotonic());
      return { state: w === 0 ? 'down' : w < 1 ? 'ramping' : 'up', weight: w };
    },
    get panics() {
      return panics;
    },
  };
}

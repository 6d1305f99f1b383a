import { ShnError } from '@shn/core';
import type { Rng } from '@shn/core';

/**
 * When a gameday kills which shard. Times are ms from the start of the gameday.
 *
 * - `fixed`: every `intervalMs` starting at `firstAtMs` (default `intervalMs`), cycling
 *   through `shards` (default all, in order).
 * - `random`: gaps uniform in `[minIntervalMs, maxIntervalMs]`, each kill a random shard
 *   (drawn from the gameday's seeded rng).
 * - `at`: an explicit list.
 */
export type KillSchedule =
  | { readonly kind: 'fixed'; readonly intervalMs: number; readonly firstAtMs?: number; readonly shards?: readonly number[] }
  | { readonly kind: 'random'; readonly minIntervalMs: number; readonly maxIntervalMs: number; readonly firstAtMs?: number }
  | { readonly kind: 'at'; readonly kills: readonly PlannedKill[] };

/** One scheduled kill. */
export interface PlannedKill {
  /** ms after the gameday starts. */
  readonly atMs: number;
  readonly shard: number;
}

function positive(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new ShnError('INVALID_ARGUMENT', `${name} must be a finite number of ms > 0, got ${JSON.stringify(v)}`);
  }
  return v;
}

function shardIn(shard: unknown, shards: number, where: string): number {
  if (!Number.isInteger(shard) || (shard as number) < 0 || (shard as number) >= shards) {
    throw new ShnError('INVALID_ARGUMENT', `${where} must be a shard in [0, ${shards - 1}], got ${JSON.stringify(shard)}`);
  }
  return shard as number;
}

/**
 * The kills of a schedule in time order, lazily (fixed and random schedules are endless).
 * Validates eagerly: the error is thrown by this call, not by the first `next()`.
 * @param shards - how many shards the target has (>= 1).
 * @param rng - used by `random` schedules only.
 * @throws ShnError `INVALID_ARGUMENT` for a malformed schedule, a shard out of range or
 *   times that are not finite, non-negative numbers (`at` kills must be sorted).
 */
export function planKills(schedule: KillSchedule, shards: number, rng: Rng): Iterable<PlannedKill> {
  if (!Number.isInteger(shards) || shards < 1) throw new ShnError('INVALID_ARGUMENT', `shards must be an integer >= 1, got ${String(shards)}`);
  if (typeof schedule !== 'object' || schedule === null) throw new ShnError('INVALID_ARGUMENT', 'schedule must be an object');
  const first = (v: unknown, fallback: number): number => {
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new ShnError('INVALID_ARGUMENT', `firstAtMs must be a finite number >= 0, got ${JSON.stringify(v)}`);
    return v;
  };
  switch (schedule.kind) {
    case 'fixed': {
      const interval = positive('intervalMs', schedule.intervalMs);
      const start = first(schedule.firstAtMs, interval);
      const order = schedule.shards ?? Array.from({ length: shards }, (_, i) => i);
      if (!Array.isArray(order) || order.length === 0) throw new ShnError('INVALID_ARGUMENT', 'schedule.shards must be a non-empty array');
      order.forEach((s, i) => shardIn(s, shards, `schedule.shards[${i}]`));
      return {
        *[Symbol.iterator]() {
          for (let i = 0; ; i++) yield { atMs: start + i * interval, shard: order[i % order.length] as number };
        },
      };
    }
    case 'random': {
      const min = positive('minIntervalMs', schedule.minIntervalMs);
      const max = positive('maxIntervalMs', schedule.maxIntervalMs);
      if (min > max) throw new ShnError('INVALID_ARGUMENT', `minIntervalMs ${min} > maxIntervalMs ${max}`);
      const start = schedule.firstAtMs === undefined ? undefined : first(schedule.firstAtMs, 0);
      return {
        *[Symbol.iterator]() {
          let at = start ?? min + rng.next() * (max - min);
          for (;;) {
            yield { atMs: at, shard: rng.int(shards) };
            at += min + rng.next() * (max - min);
          }
        },
      };
    }
    case 'at': {
      if (!Array.isArray(schedule.kills)) throw new ShnError('INVALID_ARGUMENT', 'schedule.kills must be an array');
      let prev = 0;
      const kills = schedule.kills.map((k, i) => {
        const atMs = (k as PlannedKill | undefined)?.atMs;
        if (typeof atMs !== 'number' || !Number.isFinite(atMs) || atMs < prev) {
          throw new ShnError('INVALID_ARGUMENT', `schedule.kills[${i}].atMs must be finite, >= 0 and sorted, got ${JSON.stringify(atMs)}`);
        }
        prev = atMs;
        return { atMs, shard: shardIn(k.shard, shards, `schedule.kills[${i}].shard`) };
      });
      return kills;
    }
    default:
      throw new ShnError('INVALID_ARGUMENT', `schedule.kind must be fixed, random or at, got ${JSON.stringify((schedule as { kind?: unknown }).kind)}`);
  }
}

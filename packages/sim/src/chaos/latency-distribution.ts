import { ShnError } from '@shn/core';
import type { Rng } from '@shn/core';

/**
 * How long an injected delay lasts, in milliseconds. Plain data, so rules can be written as
 * JSON (for example in an environment variable read by every shard thread).
 *
 * - `fixed`: always `ms`.
 * - `uniform`: uniform in `[minMs, maxMs)`.
 * - `exponential`: exponential with mean `meanMs`, capped at `maxMs` (default 10 × mean).
 * - `normal`: normal with `meanMs` and `stddevMs`, clipped to `[0, meanMs + 4 × stddevMs]`.
 */
export type LatencyDistribution =
  | { readonly kind: 'fixed'; readonly ms: number }
  | { readonly kind: 'uniform'; readonly minMs: number; readonly maxMs: number }
  | { readonly kind: 'exponential'; readonly meanMs: number; readonly maxMs?: number }
  | { readonly kind: 'normal'; readonly meanMs: number; readonly stddevMs: number };

/** The largest delay a distribution may produce, ms (one hour). */
export const MAX_CHAOS_DELAY_MS = 3_600_000;

function delayField(where: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_CHAOS_DELAY_MS) {
    throw new ShnError('INVALID_ARGUMENT', `${where}.${name} must be a number of ms in [0, ${MAX_CHAOS_DELAY_MS}], got ${JSON.stringify(v)}`);
  }
  return v;
}

/**
 * Checks a distribution given as untrusted data and returns a clean copy.
 * @param where - a path for error messages, e.g. `rules[2].action.delay`.
 * @throws ShnError `INVALID_ARGUMENT` for an unknown kind or a field that is not a finite
 *   number of milliseconds in `[0, MAX_CHAOS_DELAY_MS]` (or `min > max`).
 */
export function validateLatencyDistribution(value: unknown, where = 'delay'): LatencyDistribution {
  if (typeof value !== 'object' || value === null) {
    throw new ShnError('INVALID_ARGUMENT', `${where} must be an object like {"kind":"uniform","minMs":1,"maxMs":5}`);
  }
  const d = value as Record<string, unknown>;
  switch (d['kind']) {
    case 'fixed':
      return { kind: 'fixed', ms: delayField(where, 'ms', d['ms']) };
    case 'uniform': {
      const minMs = delayField(where, 'minMs', d['minMs']);
      const maxMs = delayField(where, 'maxMs', d['maxMs']);
      if (minMs > maxMs) throw new ShnError('INVALID_ARGUMENT', `${where}: minMs ${minMs} > maxMs ${maxMs}`);
      return { kind: 'uniform', minMs, maxMs };
    }
    case 'exponential': {
      const meanMs = delayField(where, 'meanMs', d['meanMs']);
      if (d['maxMs'] === undefined) return { kind: 'exponential', meanMs };
      return { kind: 'exponential', meanMs, maxMs: delayField(where, 'maxMs', d['maxMs']) };
    }
    case 'normal':
      return { kind: 'normal', meanMs: delayField(where, 'meanMs', d['meanMs']), stddevMs: delayField(where, 'stddevMs', d['stddevMs']) };
    default:
      throw new ShnError('INVALID_ARGUMENT', `${where}.kind must be fixed, uniform, exponential or normal, got ${JSON.stringify(d['kind'])}`);
  }
}

/**
 * Draws one delay from a validated distribution. Always consumes the same number of draws
 * for a given kind (1, or 2 for `normal`), so a seeded run stays reproducible.
 * @returns milliseconds in `[0, MAX_CHAOS_DELAY_MS]`.
 */
export function sampleLatency(d: LatencyDistribution, rng: Rng): number {
  let ms: number;
  switch (d.kind) {
    case 'fixed':
      ms = d.ms;
      break;
    case 'uniform':
      ms = d.minMs + rng.next() * (d.maxMs - d.minMs);
      break;
    case 'exponential': {
      const cap = d.maxMs ?? d.meanMs * 10;
      ms = Math.min(cap, -Math.log(1 - rng.next()) * d.meanMs);
      break;
    }
    case 'normal': {
      const u1 = 1 - rng.next();
      const u2 = rng.next();
      const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      ms = Math.min(d.meanMs + 4 * d.stddevMs, Math.max(0, d.meanMs + z * d.stddevMs));
      break;
    }
  }
  return Math.min(MAX_CHAOS_DELAY_MS, Math.max(0, ms));
}

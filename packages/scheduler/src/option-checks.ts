import { ShnError } from '@shn/core';

/**
 * Validation of constructor options, shared by every scheduler component: each check throws
 * `ShnError` `INVALID_ARGUMENT` naming the option, its allowed range and the value it got.
 * @internal
 */
export function invalid(what: string, range: string, value: unknown): ShnError {
  return new ShnError('INVALID_ARGUMENT', `${what} must be ${range}, got ${describe(value)}`, { details: { option: what } });
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) return String(value);
  return typeof value;
}

/** An integer in [min, max]. @internal */
export function checkInt(what: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(what, `an integer in [${min}, ${max}]`, value);
  }
  return value;
}

/** A finite number > 0 (or `Infinity` when `allowInfinity`). @internal */
export function checkPositive(what: string, value: unknown, allowInfinity = false): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0 || (!allowInfinity && !Number.isFinite(value))) {
    throw invalid(what, allowInfinity ? 'a number > 0 (Infinity allowed)' : 'a finite number > 0', value);
  }
  return value;
}

/** A function. @internal */
export function checkFunction<F>(what: string, value: unknown): F {
  if (typeof value !== 'function') throw invalid(what, 'a function', value);
  return value as F;
}

import { ShnError } from '@shn/core';

/**
 * Validation of policy options at construction. Every check throws ShnError
 * `INVALID_ARGUMENT` whose message names the option, the value given and the accepted range.
 * @internal
 */

function bad(option: string, range: string, value: unknown): ShnError {
  const shown = typeof value === 'number' || typeof value === 'bigint' ? String(value) : JSON.stringify(value) ?? String(value);
  return new ShnError('INVALID_ARGUMENT', `${option} must be ${range}, got ${shown}`, { details: { option, range } });
}

/** A share in (0, 1]: a failure-rate or slow-call-rate threshold. */
export function checkRate(option: string, value: unknown): number {
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) throw bad(option, 'a number in (0, 1]', value);
  return value;
}

/** An integer >= `min` (a volume, a count, a size). */
export function checkInt(option: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw bad(option, `an integer >= ${min}`, value);
  return value;
}

/** A finite number of milliseconds > 0. */
export function checkMs(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw bad(option, 'a finite number of ms > 0', value);
  return value;
}

/** A finite number >= `min`. */
export function checkNumber(option: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) throw bad(option, `a finite number >= ${min}`, value);
  return value;
}

/** A function, or undefined. */
export function checkFunction<F>(option: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== 'function') throw bad(option, 'a function', typeof value);
  return value;
}

/** An options object, or undefined (then `{}`). */
export function checkObject<T extends object>(what: string, value: T | undefined): T {
  if (value === undefined) return {} as T;
  if (typeof value !== 'object' || value === null) throw bad(what, 'an options object', value);
  return value;
}

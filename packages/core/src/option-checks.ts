import { ShnError } from './errors.js';

/**
 * Validation of constructor options, shared by the packages (scheduler, backpressure, …): each
 * check throws `ShnError` `INVALID_ARGUMENT` naming the option, its allowed range and the value
 * it got, with `details.option` set.
 */
export function invalidOption(what: string, range: string, value: unknown): ShnError {
  return new ShnError('INVALID_ARGUMENT', `${what} must be ${range}, got ${describeOptionValue(value)}`, { details: { option: what } });
}

function describeOptionValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) return String(value);
  return typeof value;
}

/** An integer in [min, max]. @throws ShnError `INVALID_ARGUMENT`. */
export function checkInt(what: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidOption(what, `an integer in [${min}, ${max}]`, value);
  }
  return value;
}

/** A finite number > 0 (or `Infinity` when `allowInfinity`). @throws ShnError `INVALID_ARGUMENT`. */
export function checkPositive(what: string, value: unknown, allowInfinity = false): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0 || (!allowInfinity && !Number.isFinite(value))) {
    throw invalidOption(what, allowInfinity ? 'a number > 0 (Infinity allowed)' : 'a finite number > 0', value);
  }
  return value;
}

/** A function. @throws ShnError `INVALID_ARGUMENT`. */
export function checkFunction<F>(what: string, value: unknown): F {
  if (typeof value !== 'function') throw invalidOption(what, 'a function', value);
  return value as F;
}

import { invalid } from '../option-checks.js';

/** The highest envelope priority (`Envelope.priority` is 0..255). */
export const MAX_PRIORITY = 255;

/**
 * Checks an envelope priority (an integer in [0, 255]; `undefined` means 0).
 * @throws ShnError `INVALID_ARGUMENT` otherwise.
 * @internal
 */
export function checkPriority(priority: number | undefined): number {
  if (priority === undefined) return 0;
  if (!Number.isInteger(priority) || priority < 0 || priority > MAX_PRIORITY) throw invalid('priority', 'an integer in [0, 255]', priority);
  return priority;
}

/**
 * The level (0 = lowest) of `priority` among `levels` equal bands of 0..255:
 * `floor(priority * levels / 256)`.
 */
export function levelOf(priority: number, levels: number): number {
  return Math.floor((priority * levels) / (MAX_PRIORITY + 1));
}

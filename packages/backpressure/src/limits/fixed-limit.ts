import { checkInt } from '../option-checks.js';
import type { LimitAlgorithm } from './limit-algorithm.js';

/** A limit that never moves (a plain semaphore / bulkhead); the baseline for the adaptive ones. */
export class FixedLimit implements LimitAlgorithm {
  readonly limit: number;

  /** @throws ShnError `INVALID_ARGUMENT` unless `limit` is an integer in [1, 2^30]. */
  constructor(limit: number) {
    this.limit = checkInt('limit', limit, 1, 2 ** 30);
  }

  onSample(): void {}
}

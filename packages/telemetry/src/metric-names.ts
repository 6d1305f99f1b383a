import { ShnError } from '@shn/core';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Checks a Prometheus metric name (`[a-zA-Z_:][a-zA-Z0-9_:]*`, at most 200 chars).
 * @throws ShnError `INVALID_ARGUMENT` naming the rule.
 */
export function checkMetricName(name: unknown, what: string): string {
  if (typeof name !== 'string' || name.length > 200 || !METRIC_NAME.test(name)) {
    throw new ShnError('INVALID_ARGUMENT', `${what} must match [a-zA-Z_:][a-zA-Z0-9_:]* (at most 200 chars), got ${JSON.stringify(name)}`);
  }
  return name;
}

/**
 * Checks a Prometheus label name (`[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`).
 * @throws ShnError `INVALID_ARGUMENT` naming the rule.
 */
export function checkLabelName(name: unknown, what: string): string {
  if (typeof name !== 'string' || name.length > 100 || !LABEL_NAME.test(name) || name.startsWith('__')) {
    throw new ShnError('INVALID_ARGUMENT', `${what} must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __, got ${JSON.stringify(name)}`);
  }
  return name;
}

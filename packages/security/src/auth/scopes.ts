import { ShnError } from '@shn/core';

const SCOPE = /^(\*|[a-z0-9_.-]{1,64}(:[a-z0-9_.*-]{1,64}){0,4})$/;

/**
 * Checks a scope name: `*`, or 1 to 5 `:`-separated lower-case segments, e.g. `kv:read`,
 * `kv:*`, `actors:counter:tell`. A trailing `*` segment grants everything below its prefix.
 * @throws ShnError `INVALID_ARGUMENT` otherwise.
 */
export function checkScope(scope: unknown): string {
  if (typeof scope !== 'string' || !SCOPE.test(scope)) {
    throw new ShnError('INVALID_ARGUMENT', `scope must look like kv:read or kv:* (lower-case segments split by ':'), got ${JSON.stringify(scope)}`);
  }
  return scope;
}

/** True if `granted` covers `required`: equal, `*`, or `prefix:*` with `required` under `prefix:`. */
export function scopeCovers(granted: string, required: string): boolean {
  if (granted === required || granted === '*') return true;
  if (granted.endsWith(':*')) return required.startsWith(granted.slice(0, -1));
  return false;
}

/** True if any of `granted` covers `required`. */
export function hasScope(granted: readonly string[], required: string): boolean {
  for (const g of granted) if (scopeCovers(g, required)) return true;
  return false;
}

import { ShnError } from '@shn/core';

/**
 * Parses a URL query string strictly: `a=1&b&c=x%20y`. Each name may appear once and must be
 * one of `allowed`; values are percent-decoded (`+` is a space).
 * @throws ShnError `INVALID_ARGUMENT` for malformed percent-encoding, an unknown or repeated
 *   parameter, or a query longer than 2048 chars.
 */
export function parseQuery(query: string, allowed: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  if (query.length > 2048) throw new ShnError('INVALID_ARGUMENT', `query is ${query.length} chars, the limit is 2048`);
  if (query === '') return out;
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' '));
      value = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      throw new ShnError('INVALID_ARGUMENT', `malformed percent-encoding in query parameter ${JSON.stringify(part.slice(0, 64))}`);
    }
    if (!allowed.includes(name)) {
      throw new ShnError('INVALID_ARGUMENT', `unknown query parameter ${JSON.stringify(name.slice(0, 64))}; allowed: ${allowed.length > 0 ? allowed.join(', ') : 'none'}`);
    }
    if (out.has(name)) throw new ShnError('INVALID_ARGUMENT', `query parameter ${name} given more than once`);
    out.set(name, value);
  }
  return out;
}

/**
 * Parses a shard parameter: `main` (or absent, when `allowMain`) → `'main'`, or a decimal
 * integer in [0, shards).
 * @throws ShnError `INVALID_ARGUMENT` naming the accepted range.
 */
export function parseShardParam(value: string | undefined, shards: number, allowMain: boolean): number | 'main' {
  if (value === undefined || value === 'main') {
    if (allowMain) return 'main';
    throw new ShnError('INVALID_ARGUMENT', `shard is required: an integer in [0, ${shards - 1}]`);
  }
  if (!/^(0|[1-9][0-9]{0,4})$/.test(value) || Number(value) >= shards) {
    throw new ShnError('INVALID_ARGUMENT', `unknown shard ${JSON.stringify(value.slice(0, 32))}: must be ${allowMain ? '"main" or ' : ''}an integer in [0, ${shards - 1}]`);
  }
  return Number(value);
}

/**
 * Parses a duration in seconds: a decimal number in (0, max].
 * @throws ShnError `INVALID_ARGUMENT` naming the range.
 */
export function parseSecondsParam(value: string | undefined, dflt: number, max: number): number {
  if (value === undefined) return dflt;
  if (!/^[0-9]{1,6}(\.[0-9]{1,6})?$/.test(value) || !(Number(value) > 0) || Number(value) > max) {
    throw new ShnError('INVALID_ARGUMENT', `bad duration ${JSON.stringify(value.slice(0, 32))}: seconds must be a number in (0, ${max}]`);
  }
  return Number(value);
}

/** True when a boolean flag parameter is present and not `0`/`false` (`?verbose`, `?verbose=1`). */
export function flagParam(value: string | undefined): boolean {
  if (value === undefined) return false;
  if (value === '' || value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  throw new ShnError('INVALID_ARGUMENT', `bad flag value ${JSON.stringify(value.slice(0, 32))}: use 1, true, 0 or false`);
}

export { globMatch } from './glob-match.js';

/**
 * The parameters CONFIG GET reports, with Redis-compatible values where tools look at them
 * (`redis-benchmark` asks for `save` and `appendonly`).
 */
export function configParams(port: number): ReadonlyMap<string, string> {
  return new Map([
    ['save', ''],
    ['appendonly', 'no'],
    ['databases', '1'],
    ['maxmemory', '0'],
    ['maxclients', '10000'],
    ['port', String(port)],
    ['proto-max-bulk-len', String(512 * 1024 * 1024)],
    ['timeout', '0'],
    ['lazyfree-lazy-user-del', 'no'],
    ['lazyfree-lazy-user-flush', 'no'],
    ['maxmemory-policy', 'noeviction'],
    // Encoding thresholds: accepted and reported so test harnesses can set and restore them;
    // shn-kv has one encoding per type, so they change nothing.
    ['hash-max-listpack-entries', '128'],
    ['hash-max-listpack-value', '64'],
    ['hash-max-ziplist-entries', '128'],
    ['hash-max-ziplist-value', '64'],
    ['list-max-listpack-size', '-2'],
    ['list-max-ziplist-size', '-2'],
    ['list-compress-depth', '0'],
    ['set-max-intset-entries', '512'],
    ['set-max-listpack-entries', '128'],
    ['set-max-listpack-value', '64'],
    ['zset-max-listpack-entries', '128'],
    ['zset-max-listpack-value', '64'],
    ['zset-max-ziplist-entries', '128'],
    ['zset-max-ziplist-value', '64'],
  ]);
}


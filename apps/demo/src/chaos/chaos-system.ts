/**
 * The shn-kv system module with chaos: the `kv` kind of `../kv/system.js` plus a chaos
 * middleware whose rules come from `SHN_KV_CHAOS` (read in every thread: worker threads
 * inherit the environment). `SHN_KV_CHAOS=1` (or `default`) uses {@link DEFAULT_KV_CHAOS_RULES};
 * any other value is a JSON array of `@shn/sim` chaos rules. `SHN_KV_CHAOS_SEED` (default 1)
 * seeds the decisions; each thread mixes in its thread id so threads do not decide alike.
 * `SHN_KV_RECORD=<dir>` also records what each shard's actors receive to
 * `<dir>/thread-<threadId>.jsonl` (see `recordingMiddleware` in `@shn/sim`), innermost, so the
 * recording holds exactly what the actors saw after chaos.
 */
import { join } from 'node:path';
import { isMainThread, threadId } from 'node:worker_threads';
import { seededRng } from '@shn/core';
import { defineSystem } from '@shn/core-mailbox';
import { chaosMiddleware, fileRecordingSink, parseChaosRules, recordingMiddleware } from '@shn/sim';
import type { ChaosMiddleware, ChaosRule, ResolvedChaosRule } from '@shn/sim';
import kvSystem from '../kv/system.js';

/**
 * The rules `SHN_KV_CHAOS=1` turns on: 0–5 ms of latency on 20% of the deliveries to the
 * kv actor, and 0.5% of the asks from the main thread dropped (the client then sees
 * `ERR timeout waiting for shard` after the ask timeout).
 */
export const DEFAULT_KV_CHAOS_RULES: readonly ChaosRule[] = [
  { name: 'kv-latency', match: { kinds: ['kv'] }, probability: 0.2, action: { kind: 'latency', delay: { kind: 'uniform', minMs: 0, maxMs: 5 } } },
  { name: 'kv-drop-ask', match: { kinds: ['kv'] }, hooks: ['ask'], probability: 0.005, action: { kind: 'drop' } },
];

/**
 * The chaos rules selected by `value` (the `SHN_KV_CHAOS` variable).
 * @throws ShnError `INVALID_ARGUMENT` for JSON that is not a valid rule list.
 */
export function kvChaosRules(value: string | undefined): readonly ChaosRule[] | readonly ResolvedChaosRule[] {
  if (value === undefined || value === '' || value === '0') return [];
  if (value === '1' || value === 'default') return DEFAULT_KV_CHAOS_RULES;
  return parseChaosRules(value);
}

const seed = Number.parseInt(process.env['SHN_KV_CHAOS_SEED'] ?? '1', 10);

/** This thread's chaos middleware (the main thread's instance is the one `shn-kv --chaos` reports). */
export const kvChaos: ChaosMiddleware = chaosMiddleware(kvChaosRules(process.env['SHN_KV_CHAOS']), {
  rng: seededRng(((Number.isInteger(seed) ? seed : 1) ^ Math.imul(threadId + 1, 0x9e3779b1)) | 0),
});

const recordDir = process.env['SHN_KV_RECORD'];
const recorder =
  recordDir === undefined || recordDir === '' || isMainThread
    ? []
    : [recordingMiddleware(fileRecordingSink(join(recordDir, `thread-${threadId}.jsonl`)), { meta: { threadId } })];

export default defineSystem({ ...kvSystem, middleware: [...(kvSystem.middleware ?? []), kvChaos, ...recorder] });

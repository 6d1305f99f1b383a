/**
 * The shn-kv system module with chaos: the `kv` kind of `../kv/system.js` plus a chaos
 * middleware whose rules come from the system params (`createRuntime({ params })`, which hands
 * them to every thread; `shn-kv --chaos-rules …` sets them). `rules: 'default'` uses
 * {@link DEFAULT_KV_CHAOS_RULES}; otherwise an array (or JSON text) of `@shn/sim` chaos rules.
 * `seed` (default 1) seeds the decisions; each thread mixes in its thread id so threads do not
 * decide alike. `recordDir` also records what each shard's actors receive to
 * `<dir>/thread-<threadId>.jsonl` (see `recordingMiddleware` in `@shn/sim`), innermost, so the
 * recording holds exactly what the actors saw after chaos. No environment variable is read.
 */
import { join } from 'node:path';
import { isMainThread, threadId } from 'node:worker_threads';
import { ShnError, seededRng } from '@shn/core';
import { defineSystem } from '@shn/core-mailbox';
import { chaosMiddleware, fileRecordingSink, parseChaosRules, recordingMiddleware } from '@shn/sim';
import type { ChaosMiddleware, ChaosRule, ResolvedChaosRule } from '@shn/sim';
import { kvSystemDefinition, type KvSystemParams } from '../kv/system.js';

/**
 * The rules `--chaos-rules default` turns on: 0–5 ms of latency on 20% of the deliveries to the
 * kv actor, and 0.5% of the asks from the main thread dropped (the client then sees
 * `ERR timeout waiting for shard` after the ask timeout).
 */
export const DEFAULT_KV_CHAOS_RULES: readonly ChaosRule[] = [
  { name: 'kv-latency', match: { kinds: ['kv'] }, probability: 0.2, action: { kind: 'latency', delay: { kind: 'uniform', minMs: 0, maxMs: 5 } } },
  { name: 'kv-drop-ask', match: { kinds: ['kv'] }, hooks: ['ask'], probability: 0.005, action: { kind: 'drop' } },
];

/** Params of the chaos system module (structured-cloneable). */
export interface ChaosSystemParams extends KvSystemParams {
  /** `'default'` (or `'1'`), JSON text of a rule array, or a rule array; absent/`''`/`'0'` = no rules. */
  readonly rules?: string | readonly ChaosRule[];
  /** Seeds the chaos decisions (default 1). */
  readonly seed?: number;
  /** Record what each shard's actors receive to `<recordDir>/thread-<id>.jsonl`. */
  readonly recordDir?: string;
}

/**
 * The chaos rules selected by `value` (`--chaos-rules`).
 * @throws ShnError `INVALID_ARGUMENT` for JSON that is not a valid rule list.
 */
export function kvChaosRules(value: string | readonly ChaosRule[] | undefined): readonly ChaosRule[] | readonly ResolvedChaosRule[] {
  if (Array.isArray(value)) return parseChaosRules(JSON.stringify(value));
  if (value === undefined || value === '' || value === '0') return [];
  if (value === '1' || value === 'default') return DEFAULT_KV_CHAOS_RULES;
  return parseChaosRules(value as string);
}

let mainChaos: ChaosMiddleware | undefined;

/** The main thread's chaos middleware (the instance `shn-kv --chaos` reports), once the runtime built it. */
export function mainThreadChaos(): ChaosMiddleware | undefined {
  return mainChaos;
}

export default defineSystem((raw: unknown) => {
  if (raw !== undefined && (typeof raw !== 'object' || raw === null)) {
    throw new ShnError('INVALID_ARGUMENT', `chaos system params must be an object, got ${typeof raw}`);
  }
  const params = (raw ?? {}) as ChaosSystemParams;
  const seed = params.seed ?? 1;
  if (!Number.isInteger(seed)) throw new ShnError('INVALID_ARGUMENT', `chaos seed must be an integer, got ${String(seed)}`);
  const chaos = chaosMiddleware(kvChaosRules(params.rules), { rng: seededRng((seed ^ Math.imul(threadId + 1, 0x9e3779b1)) | 0) });
  if (isMainThread) mainChaos = chaos;
  const recorder =
    params.recordDir === undefined || params.recordDir === '' || isMainThread
      ? []
      : [recordingMiddleware(fileRecordingSink(join(params.recordDir, `thread-${threadId}.jsonl`)), { meta: { threadId } })];
  const kv = kvSystemDefinition(params);
  return { ...kv, middleware: [...(kv.middleware ?? []), chaos, ...recorder] };
});

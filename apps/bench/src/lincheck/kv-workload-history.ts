import { seededRng } from '@shn/core';
import type { KvInput, Operation } from '@shn/sim';

/** Shape of a generated kv history. */
export interface KvWorkloadOptions {
  /** Operations in total. */
  readonly ops: number;
  /** Distinct keys (`k0`..). */
  readonly keys: number;
  /** Concurrent clients; each runs its operations one after another. */
  readonly clients: number;
  /** Seed of the generator. */
  readonly seed: number;
}

/**
 * A linearizable kv history as a real, atomic kv server would produce it under load: every
 * client issues get (50 %), put (25 %) or append (25 %) on a random key, waits 0–2 ms, and each
 * operation takes 1–10 ms (call → linearization point → return, uniform), so operations of
 * different clients overlap heavily. Outputs come from applying the operations in
 * linearization-point order to a Map. Times are in microseconds. Deterministic per seed.
 */
export function kvWorkloadHistory(o: KvWorkloadOptions): Operation<KvInput, unknown>[] {
  const rng = seededRng(o.seed);
  const clock = new Array<number>(o.clients).fill(0);
  const planned: { clientId: number; call: number; point: number; ret: number; input: KvInput }[] = [];
  for (let i = 0; i < o.ops; i++) {
    const clientId = rng.int(o.clients);
    const call = (clock[clientId] as number) + rng.int(2_000) + 1;
    const point = call + rng.int(5_000);
    const ret = point + 500 + rng.int(4_500);
    clock[clientId] = ret;
    const key = `k${rng.int(o.keys)}`;
    const r = rng.next();
    const input: KvInput = r < 0.5 ? { op: 'get', key } : r < 0.75 ? { op: 'put', key, value: `v${i}` } : { op: 'append', key, value: `+${i}` };
    planned.push({ clientId, call, point, ret, input });
  }
  const state = new Map<string, string>();
  const ops = [...planned]
    .sort((a, b) => a.point - b.point)
    .map((p): Operation<KvInput, unknown> => {
      const key = String(p.input.key);
      let output: unknown = undefined;
      if (p.input.op === 'get') output = state.get(key);
      else if (p.input.op === 'put') state.set(key, p.input.value as string);
      else state.set(key, (state.get(key) ?? '') + p.input.value);
      return { clientId: p.clientId, input: p.input, call: p.call, output, return: p.ret };
    });
  return ops.sort((a, b) => a.call - b.call);
}

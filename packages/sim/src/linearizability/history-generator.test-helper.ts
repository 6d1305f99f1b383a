// Test-only: generates histories that are linearizable by construction.
import { seededRng } from '@shn/core';
import type { Rng } from '@shn/core';
import type { KvInput } from './kv-model.js';
import type { RegisterInput } from './register-model.js';
import type { Operation } from './types.js';

export interface GeneratorOptions {
  readonly seed: number;
  readonly clients: number;
  readonly ops: number;
  /** Max gap a client waits between operations (time units). 0 → back to back. */
  readonly maxGap: number;
  /** Max time from call to linearization point and from there to return. 0 → instantaneous ops (no overlap). */
  readonly maxLatency: number;
}

interface Planned {
  readonly clientId: number;
  readonly call: number;
  readonly point: number;
  readonly ret: number;
  readonly index: number;
}

/** Plans call/linearization-point/return times: each client runs its ops one after another. */
function planTimes(rng: Rng, o: GeneratorOptions): Planned[] {
  const clock = new Array<number>(o.clients).fill(0);
  const planned: Planned[] = [];
  for (let i = 0; i < o.ops; i++) {
    const clientId = rng.int(o.clients);
    const call = (clock[clientId] as number) + (o.maxGap > 0 ? rng.int(o.maxGap + 1) : 0) + 1;
    const point = call + (o.maxLatency > 0 ? rng.int(o.maxLatency + 1) : 0);
    const ret = point + (o.maxLatency > 0 ? rng.int(o.maxLatency + 1) : 0);
    clock[clientId] = ret;
    // point * ops + i breaks ties between equal linearization points deterministically
    planned.push({ clientId, call: call * 4, point: point * 4 + 1, ret: ret * 4 + 2, index: i });
  }
  return planned;
}

/** Runs `apply` on the operations in linearization-point order and returns them sorted by call. */
function realize<I, O>(planned: Planned[], inputs: I[], apply: (input: I) => O): Operation<I, O>[] {
  const byPoint = [...planned].sort((a, b) => a.point - b.point || a.index - b.index);
  const out: Operation<I, O>[] = new Array<Operation<I, O>>(planned.length);
  for (const p of byPoint) {
    const input = inputs[p.index] as I;
    out[p.index] = { clientId: p.clientId, input, call: p.call, output: apply(input), return: p.ret };
  }
  return out.sort((a, b) => a.call - b.call);
}

/** A linearizable register history over small integer values. */
export function registerHistory(o: GeneratorOptions): Operation<RegisterInput, unknown>[] {
  const rng = seededRng(o.seed);
  const planned = planTimes(rng, o);
  const inputs: RegisterInput[] = planned.map(() => (rng.next() < 0.5 ? { op: 'read' } : { op: 'write', value: rng.int(5) }));
  let value: unknown = undefined;
  return realize(planned, inputs, (input) => {
    if (input.op === 'write') {
      value = input.value;
      return undefined;
    }
    return value;
  });
}

/** A linearizable kv history over `keys` keys ('k0'..), with get/put/append. */
export function kvHistory(o: GeneratorOptions & { readonly keys: number }): Operation<KvInput, unknown>[] {
  const rng = seededRng(o.seed);
  const planned = planTimes(rng, o);
  const inputs: KvInput[] = planned.map((_, i) => {
    const key = `k${rng.int(o.keys)}`;
    const r = rng.next();
    if (r < 0.5) return { op: 'get', key };
    if (r < 0.75) return { op: 'put', key, value: `v${i}` };
    return { op: 'append', key, value: `+${i}` };
  });
  const state = new Map<string, string>();
  return realize(planned, inputs, (input) => {
    const key = String(input.key);
    if (input.op === 'get') return state.get(key);
    if (input.op === 'put') state.set(key, input.value as string);
    else state.set(key, (state.get(key) ?? '') + input.value);
    return undefined;
  });
}

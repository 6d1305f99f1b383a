import { ShnError } from '@shn/core';
import { showValue, stableEncode, structuralEqual } from './structural-value.js';
import type { Model, Operation } from './types.js';

/** A key of {@link kvModel}: a string or a finite number (`1` and `'1'` are different keys). */
export type KvKey = string | number;

/**
 * An input of {@link kvModel}: `get` reads a key (output: its value), `put` overwrites it,
 * `append` concatenates a string to it (a missing key counts as `''`).
 */
export type KvInput =
  | { readonly op: 'get'; readonly key: KvKey }
  | { readonly op: 'put'; readonly key: KvKey; readonly value: unknown }
  | { readonly op: 'append'; readonly key: KvKey; readonly value: string };

/** The state of {@link kvModel}: the value of every key written so far. Never mutated. */
export type KvState = ReadonlyMap<KvKey, unknown>;

/** Options of {@link createKvModel}. */
export interface KvModelOptions {
  /** What `get` of a never-written key returns; default `undefined` (porcupine's kv tests use `''`). */
  readonly missing?: unknown;
}

function badInput(input: unknown, why: string): ShnError {
  return new ShnError('INVALID_ARGUMENT', `kv model: ${why}, got ${showValue(input)}`);
}

function validKey(key: unknown): key is KvKey {
  return typeof key === 'string' || (typeof key === 'number' && Number.isFinite(key));
}

function checkInput(input: unknown): asserts input is KvInput {
  if (typeof input !== 'object' || input === null) throw badInput(input, 'expected an object input');
  const i = input as { op?: unknown; key?: unknown; value?: unknown };
  if (i.op !== 'get' && i.op !== 'put' && i.op !== 'append') throw badInput(input, "op must be 'get', 'put' or 'append'");
  if (!validKey(i.key)) throw badInput(input, 'key must be a string or a finite number');
  if (i.op === 'append' && typeof i.value !== 'string') throw badInput(input, 'append needs a string value');
}

/**
 * A key-value map model with `get`, `put` and `append`, partitioned by key
 * (P-compositionality), so each key is checked on its own. `missing` sets what reading an
 * unwritten key returns. `step` and `partition` throw ShnError `INVALID_ARGUMENT` on a
 * malformed input (unknown op, a key that is not a string or finite number, a non-string
 * append) and on appending to a key whose value is not a string.
 */
export function createKvModel(options: KvModelOptions = {}): Model<KvState, KvInput, unknown> {
  const missing = options.missing;
  return Object.freeze({
    init: (): KvState => new Map<KvKey, unknown>(),
    step(state: KvState, input: KvInput, output: unknown): { ok: boolean; state: KvState } {
      checkInput(input);
      const current = state.has(input.key) ? state.get(input.key) : missing;
      if (input.op === 'get') return { ok: structuralEqual(current, output), state };
      const next = new Map(state);
      if (input.op === 'put') {
        next.set(input.key, input.value);
      } else {
        const base = state.has(input.key) ? current : '';
        if (typeof base !== 'string') {
          throw new ShnError('INVALID_ARGUMENT', `kv model: append to key ${showValue(input.key)} whose value ${showValue(base)} is not a string`);
        }
        next.set(input.key, base + input.value);
      }
      return { ok: true, state: next };
    },
    partition(ops: Operation<KvInput, unknown>[]): Operation<KvInput, unknown>[][] {
      const byKey = new Map<KvKey, Operation<KvInput, unknown>[]>();
      for (const op of ops) {
        checkInput(op.input);
        const list = byKey.get(op.input.key);
        if (list === undefined) byKey.set(op.input.key, [op]);
        else list.push(op);
      }
      return [...byKey.values()];
    },
    equal: (a: KvState, b: KvState): boolean => structuralEqual(a, b),
    hash: (s: KvState): string => (s.size === 0 ? '{}' : stableEncode(s)),
    describe(input: KvInput, output: unknown): string {
      if (typeof input !== 'object' || input === null) return showValue(input);
      if (input.op === 'get') return `get(${showValue(input.key)}) -> ${showValue(output)}`;
      return `${String(input.op)}(${showValue(input.key)}, ${showValue((input as { value?: unknown }).value)})`;
    },
  });
}

/** The key-value model with `get` of a never-written key returning `undefined`. See {@link createKvModel}. */
export const kvModel: Model<KvState, KvInput, unknown> = createKvModel();

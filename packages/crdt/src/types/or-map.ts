import type { DotKernel } from '../causal/dot-kernel.js';
import { kernelAdd, kernelBottom, kernelEquals, kernelJoin, kernelRemove, readKernel, writeKernel } from '../causal/dot-kernel.js';
import type { CrdtReader } from '../encoding/crdt-reader.js';
import { decodeFailed } from '../encoding/crdt-reader.js';
import type { CrdtWriter } from '../encoding/crdt-writer.js';
import type { CrdtType } from './crdt-type.js';
import { checkElement, checkReplicaId } from '../replica/replica-id.js';

/** OR-Map state: which keys are live (a dot kernel) and each key's nested CRDT state. */
export interface OrMapState<S> {
  readonly keys: DotKernel;
  readonly values: ReadonlyMap<string, S>;
}

/** The OR-Map type returned by {@link orMap}: a {@link CrdtType} plus its mutators. */
export interface OrMapType<S, V> extends CrdtType<OrMapState<S>, Map<string, V>> {
  /** The nested value type. */
  readonly valueType: CrdtType<S, V>;
  /** The nested state under `key` (bottom if none), whether or not the key is live. */
  get(state: OrMapState<S>, key: string): S;
  /**
   * The delta that makes `key` live and applies `mutate(current)` (which must return a
   * delta of the nested type, e.g. `(c) => pnCounter.add(c, replica, 1)`).
   */
  update(state: OrMapState<S>, replica: string, key: string, mutate: (current: S) => S): OrMapState<S>;
  /** The delta that removes `key` (add-wins against a concurrent update). */
  remove(state: OrMapState<S>, key: string): OrMapState<S>;
}

/**
 * OR-Map: string keys with add-wins membership (an OR-Set of keys) and nested CRDT values
 * of one type, which may itself be an OR-Map (`orMap(orMap(pnCounter))`), a counter, a
 * register or a set. Values merge by their own join.
 *
 * Limit: removing a key hides it but keeps its nested state, so a key updated again after
 * a remove continues from the merged old value (a counter is not reset), and the map keeps
 * one nested state per key ever updated.
 */
export function orMap<S, V>(valueType: CrdtType<S, V>): OrMapType<S, V> {
  const bottomValue = valueType.bottom();
  const joinValues = (a: ReadonlyMap<string, S>, b: ReadonlyMap<string, S>): ReadonlyMap<string, S> => {
    if (b.size === 0) return a;
    if (a.size === 0) return b;
    const out = new Map(a);
    for (const [k, v] of b) {
      const cur = out.get(k);
      out.set(k, cur === undefined ? v : valueType.join(cur, v));
    }
    return out;
  };
  const type: OrMapType<S, V> = {
    name: `or-map<${valueType.name}>`,
    tag: 8,
    valueType,
    bottom: () => ({ keys: kernelBottom(), values: new Map() }),
    join: (a, b) => ({ keys: kernelJoin(a.keys, b.keys), values: joinValues(a.values, b.values) }),
    equals(a, b) {
      if (!kernelEquals(a.keys, b.keys)) return false;
      for (const k of new Set([...a.values.keys(), ...b.values.keys()])) {
        if (!valueType.equals(a.values.get(k) ?? bottomValue, b.values.get(k) ?? bottomValue)) return false;
      }
      return true;
    },
    value(s) {
      const out = new Map<string, V>();
      for (const k of s.keys.entries.keys()) out.set(k, valueType.value(s.values.get(k) ?? bottomValue));
      return out;
    },
    write(w: CrdtWriter, s) {
      writeKernel(w, s.keys);
      const ks = [...s.values.keys()].sort();
      w.varint(ks.length);
      for (const k of ks) {
        w.string(k);
        valueType.write(w, s.values.get(k)!);
      }
    },
    read(r: CrdtReader) {
      const keys = readKernel(r);
      const n = r.count(2);
      const values = new Map<string, S>();
      for (let i = 0; i < n; i++) {
        const k = r.string();
        if (values.has(k)) decodeFailed('duplicate OR-Map value key');
        values.set(k, valueType.read(r));
      }
      return { keys, values };
    },
    get: (s, key) => s.values.get(key) ?? bottomValue,
    update(s, replica, key, mutate) {
      checkElement(key, 'an OR-Map key');
      checkReplicaId(replica);
      const delta = mutate(s.values.get(key) ?? bottomValue);
      return { keys: kernelAdd(s.keys, replica, key), values: new Map([[key, delta]]) };
    },
    remove: (s, key) => ({ keys: kernelRemove(s.keys, checkElement(key, 'an OR-Map key')), values: new Map() }),
  };
  return Object.freeze(type);
}

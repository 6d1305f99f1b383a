import type { CrdtReader } from '../encoding/crdt-reader.js';
import { decodeFailed } from '../encoding/crdt-reader.js';
import type { CrdtWriter } from '../encoding/crdt-writer.js';
import type { CrdtType } from './crdt-type.js';
import { checkElement } from '../replica/replica-id.js';

/** G-Set state: the elements. */
export type GSetState = ReadonlySet<string>;

/** Union of two string sets (returns an argument unchanged when the other adds nothing). */
export function unionSets(a: ReadonlySet<string>, b: ReadonlySet<string>): ReadonlySet<string> {
  if (b.size === 0) return a;
  if (a.size === 0) return b;
  const out = new Set(a);
  for (const x of b) out.add(x);
  return out;
}

/** Set equality. */
export function setEquals(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}

/** Writes a string set, sorted. */
export function writeStringSet(w: CrdtWriter, s: ReadonlySet<string>): void {
  const xs = [...s].sort();
  w.varint(xs.length);
  for (const x of xs) w.string(x);
}

/** Reads a string set; duplicates fail with `DECODE_FAILED`. */
export function readStringSet(r: CrdtReader): ReadonlySet<string> {
  const n = r.count(1);
  const out = new Set<string>();
  for (let i = 0; i < n; i++) {
    const x = r.string();
    if (out.has(x)) decodeFailed('duplicate set element');
    out.add(x);
  }
  return out;
}

/** G-Set: a grow-only set of strings (join = union). State size: every element ever added. */
export const gSet = Object.freeze({
  name: 'g-set',
  tag: 5,
  bottom: (): GSetState => new Set(),
  join: unionSets,
  equals: setEquals,
  value: (s: GSetState): Set<string> => new Set(s),
  write: writeStringSet,
  read: readStringSet,
  /** The delta that adds `element`. */
  add: (_s: GSetState, element: string): GSetState => new Set([checkElement(element, 'a G-Set element')]),
} satisfies CrdtType<GSetState, Set<string>> & Record<string, unknown>);

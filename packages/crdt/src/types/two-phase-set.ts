import { ShnError } from '@shn/core';
import type { CrdtReader } from '../encoding/crdt-reader.js';
import type { CrdtWriter } from '../encoding/crdt-writer.js';
import type { CrdtType } from './crdt-type.js';
import { readStringSet, setEquals, unionSets, writeStringSet } from './g-set.js';
import { checkElement } from '../replica/replica-id.js';

/** 2P-Set state: a G-Set of adds and a G-Set of removes (tombstones). */
export interface TwoPhaseSetState {
  readonly added: ReadonlySet<string>;
  readonly removed: ReadonlySet<string>;
}

/**
 * 2P-Set: add, then remove once, forever: a removed element can never come back
 * (remove-wins). Keeps a tombstone per removed element: prefer the OR-Set unless
 * "removed means gone for good" is the point.
 */
export const twoPhaseSet = Object.freeze({
  name: '2p-set',
  tag: 6,
  bottom: (): TwoPhaseSetState => ({ added: new Set(), removed: new Set() }),
  join: (a: TwoPhaseSetState, b: TwoPhaseSetState): TwoPhaseSetState => ({
    added: unionSets(a.added, b.added),
    removed: unionSets(a.removed, b.removed),
  }),
  equals: (a: TwoPhaseSetState, b: TwoPhaseSetState): boolean => setEquals(a.added, b.added) && setEquals(a.removed, b.removed),
  value(s: TwoPhaseSetState): Set<string> {
    const out = new Set<string>();
    for (const x of s.added) if (!s.removed.has(x)) out.add(x);
    return out;
  },
  write(w: CrdtWriter, s: TwoPhaseSetState): void {
    writeStringSet(w, s.added);
    writeStringSet(w, s.removed);
  },
  read(r: CrdtReader): TwoPhaseSetState {
    const added = readStringSet(r);
    return { added, removed: readStringSet(r) };
  },
  /** The delta that adds `element` (a no-op if it was ever removed). */
  add: (_s: TwoPhaseSetState, element: string): TwoPhaseSetState => ({ added: new Set([checkElement(element, 'a 2P-Set element')]), removed: new Set() }),
  /**
   * The delta that removes `element` for good.
   * @throws ShnError `INVALID_ARGUMENT` if this replica has not seen it added.
   */
  remove(s: TwoPhaseSetState, element: string): TwoPhaseSetState {
    checkElement(element, 'a 2P-Set element');
    if (!s.added.has(element)) throw new ShnError('INVALID_ARGUMENT', `2P-Set: cannot remove ${JSON.stringify(element)} before it is added`);
    return { added: new Set(), removed: new Set([element]) };
  },
} satisfies CrdtType<TwoPhaseSetState, Set<string>> & Record<string, unknown>);

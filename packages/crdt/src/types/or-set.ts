import type { DotKernel } from '../causal/dot-kernel.js';
import { kernelAdd, kernelBottom, kernelClear, kernelEquals, kernelJoin, kernelRemove, readKernel, writeKernel } from '../causal/dot-kernel.js';
import type { CrdtType } from './crdt-type.js';
import { checkElement } from '../replica/replica-id.js';

/** OR-Set state: a dot kernel whose keys are the elements. */
export type OrSetState = DotKernel;

/**
 * OR-Set (observed-remove, add-wins), ORSWOT-style: each element carries the dots of the
 * adds that keep it alive, and a causal context records what has been seen. A remove drops
 * the dots it has observed, so an add concurrent with it survives. No tombstones: removed
 * elements leave nothing behind except the compact context (one number per replica once
 * dots are contiguous). Elements are strings (encode richer values yourself, e.g. JSON).
 */
export const orSet = Object.freeze({
  name: 'or-set',
  tag: 7,
  bottom: kernelBottom,
  join: kernelJoin,
  equals: kernelEquals,
  value: (s: OrSetState): Set<string> => new Set(s.entries.keys()),
  write: writeKernel,
  read: readKernel,
  /** True if `element` is in the set. */
  has: (s: OrSetState, element: string): boolean => s.entries.has(element),
  /** The delta that adds `element` on behalf of `replica`. */
  add: (s: OrSetState, replica: string, element: string): OrSetState => kernelAdd(s, replica, checkElement(element, 'an OR-Set element')),
  /** The delta that removes `element` (the adds this replica has observed). */
  remove: (s: OrSetState, element: string): OrSetState => kernelRemove(s, checkElement(element, 'an OR-Set element')),
  /** The delta that removes every element this replica has observed. */
  clear: (s: OrSetState): OrSetState => kernelClear(s),
} satisfies CrdtType<OrSetState, Set<string>> & Record<string, unknown>);

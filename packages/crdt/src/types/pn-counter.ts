import type { CrdtReader } from '../encoding/crdt-reader.js';
import type { CrdtWriter } from '../encoding/crdt-writer.js';
import type { CrdtType } from './crdt-type.js';
import type { GCounterState } from './g-counter.js';
import { gCounter } from './g-counter.js';

/** PN-Counter state: a G-Counter of increments and one of decrements. */
export interface PnCounterState {
  readonly p: GCounterState;
  readonly n: GCounterState;
}

const EMPTY = new Map<string, number>();

/**
 * PN-Counter: a counter that goes up and down; the value is increments minus decrements.
 * State size: up to two entries per replica.
 */
export const pnCounter = Object.freeze({
  name: 'pn-counter',
  tag: 2,
  bottom: (): PnCounterState => ({ p: new Map(), n: new Map() }),
  join: (a: PnCounterState, b: PnCounterState): PnCounterState => ({ p: gCounter.join(a.p, b.p), n: gCounter.join(a.n, b.n) }),
  equals: (a: PnCounterState, b: PnCounterState): boolean => gCounter.equals(a.p, b.p) && gCounter.equals(a.n, b.n),
  value: (s: PnCounterState): number => gCounter.value(s.p) - gCounter.value(s.n),
  write(w: CrdtWriter, s: PnCounterState): void {
    gCounter.write(w, s.p);
    gCounter.write(w, s.n);
  },
  read(r: CrdtReader): PnCounterState {
    const p = gCounter.read(r);
    return { p, n: gCounter.read(r) };
  },
  /**
   * The delta that adds `n` (any safe integer; negative decrements) on behalf of `replica`.
   * @throws ShnError `INVALID_ARGUMENT` for a non-integer or overflowing amount.
   */
  add(state: PnCounterState, replica: string, n: number): PnCounterState {
    if (n >= 0) return { p: gCounter.increment(state.p, replica, n), n: EMPTY };
    return { p: EMPTY, n: gCounter.increment(state.n, replica, -n) };
  },
} satisfies CrdtType<PnCounterState, number> & Record<string, unknown>);

import { describe, expect, it } from 'vitest';
import { checkOperations } from './check-linearizability.js';
import { registerModel } from './register-model.js';
import type { RegisterInput } from './register-model.js';
import type { Operation } from './types.js';
import { systemClock } from '@shn/core';
import { SearchBudget } from './search-budget.js';
import { searchLinearization } from './wing-gong-search.js';

type Row = [client: number, kind: 'w' | 'r', value: string | undefined, call: number, ret: number];

/**
 * A real failing history: `pnpm sim register-stale-reads`, seed 41 (times rounded to 3
 * decimals). Replica n3 served client 2 the value 'c1-3' after write('c2-3') had completed.
 */
const SEED_41: Row[] = [
  [0, 'w', 'c0-0', 0, 9.579],
  [1, 'w', 'c1-0', 0, 12.808],
  [2, 'r', undefined, 0, 21.157],
  [0, 'r', 'c1-0', 13.579, 22.295],
  [1, 'w', 'c1-1', 13.808, 19.045],
  [1, 'w', 'c1-2', 23.045, 35.537],
  [0, 'r', 'c1-1', 25.295, 35.197],
  [2, 'w', 'c2-1', 29.157, 40.912],
  [1, 'w', 'c1-3', 35.537, 48.341],
  [2, 'r', 'c2-1', 40.912, 48.306],
  [0, 'r', 'c1-3', 43.197, 56.683],
  [1, 'r', 'c1-3', 48.341, 66.322],
  [2, 'w', 'c2-3', 53.306, 63.731],
  [0, 'r', 'c1-3', 62.683, 70.96],
  [2, 'r', 'c1-3', 66.731, 74.192],
  [2, 'w', 'c2-5', 74.192, 86.307],
  [0, 'w', 'c0-5', 74.96, 86.415],
  [1, 'w', 'c1-5', 75.322, Infinity],
  [2, 'w', 'c2-6', 93.307, Infinity],
  [0, 'w', 'c0-6', 94.415, Infinity],
  [1, 'r', 'c2-5', 142.322, 161.448],
  [2, 'w', 'c2-7', 154.307, 163.069],
  [0, 'r', 'c2-7', 162.415, 169.544],
  [1, 'w', 'c1-7', 166.448, 182.553],
];

function toOps(rows: readonly Row[]): Operation<RegisterInput, unknown>[] {
  return rows.map(([clientId, kind, value, call, ret]) =>
    kind === 'w'
      ? { clientId, input: { op: 'write', value }, call, output: undefined, return: ret }
      : { clientId, input: { op: 'read' }, call, output: value, return: ret },
  );
}

describe('shrinking a failing history whose "all operations overlap" check is too big to decide', () => {
  it('the real seed-41 history: the all-concurrent search cannot decide it within 100 000 steps', () => {
    // This is what makes the case hard: the witness search cannot first tell that the failure is one of order.
    const all = toOps(SEED_41).map((o) => ({ ...o, call: 0, return: o.return === Infinity ? Infinity : 1 }));
    expect(searchLinearization(registerModel, all, new SearchBudget(systemClock, Infinity), 100_000)).toBe('unknown');
  });

  it('still yields an order-caused witness (the two writes and the stale read), not a lone read of a value nobody wrote', () => {
    const r = checkOperations(registerModel, toOps(SEED_41));
    expect(r.outcome).toBe('illegal');
    if (r.outcome !== 'illegal') return;
    expect(r.explanation).toContain('real-time order');
    expect(r.minimal.map((o) => [o.clientId, (o.input as RegisterInput).op, (o.input as { value?: string }).value ?? o.output])).toEqual([
      [1, 'write', 'c1-3'],
      [2, 'write', 'c2-3'],
      [2, 'read', 'c1-3'],
    ]);
    // The witness is illegal as it stands and linearizable once its operations all overlap.
    expect(checkOperations(registerModel, r.minimal as Operation<RegisterInput, unknown>[]).outcome).toBe('illegal');
    const overlapping = r.minimal.map((o) => ({ ...o, call: 0, return: 1 })) as Operation<RegisterInput, unknown>[];
    expect(checkOperations(registerModel, overlapping).outcome).toBe('ok');
  });

  it('a read of a value nobody wrote, in a large history, is the witness on its own', () => {
    // Drop the stale read (row 14) and make another read impossible: no order-caused witness exists.
    const ops = toOps(SEED_41.filter((_, i) => i !== 14)).map((o, i) => (i === 13 ? { ...o, output: 'never-written' } : o));
    const r = checkOperations(registerModel, ops);
    expect(r.outcome).toBe('illegal');
    if (r.outcome !== 'illegal') return;
    expect(r.minimal).toHaveLength(1);
    expect(r.minimal[0]?.output).toBe('never-written');
    expect(r.explanation).toContain('not linearizable in any order');
  });
});

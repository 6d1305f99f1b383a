import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../virtual-clock.test-helper.js';
import { WfqRunQueue } from './wfq-run-queue.js';

describe('WfqRunQueue', () => {
  it('shares service by weight among backlogged flows: |served_i/w_i - served_j/w_j| <= 1/w_i + 1/w_j at every pop', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 2, maxLength: 5 }), fc.integer({ min: 10, max: 200 }), (weights, perFlow) => {
        const flows = weights.map((_, i) => `t${i}`);
        const q = new WfqRunQueue<string>({ flowOf: (x) => x, weights: Object.fromEntries(flows.map((f, i) => [f, weights[i] as number])) });
        // Every flow stays backlogged: push its whole load up front.
        for (let k = 0; k < perFlow * 8; k++) for (const f of flows) q.push(f);
        const served = flows.map(() => 0);
        let worstExcess = -Infinity;
        for (let pops = 0; pops < perFlow * 8; pops++) {
          const at = flows.indexOf(q.pop() as string);
          served[at] = (served[at] as number) + 1;
          for (let i = 0; i < flows.length; i++) {
            for (let j = 0; j < flows.length; j++) {
              const wi = weights[i] as number;
              const wj = weights[j] as number;
              const gap = Math.abs((served[i] as number) / wi - (served[j] as number) / wj);
              worstExcess = Math.max(worstExcess, gap - (1 / wi + 1 / wj));
            }
          }
        }
        expect(worstExcess).toBeLessThanOrEqual(1e-9);
      }),
      { numRuns: 40 },
    );
  });

  it('gives an idle flow no saved-up credit and frees flow state when a flow empties', () => {
    const q = new WfqRunQueue<string>({ flowOf: (x) => x.split(':')[0] as string });
    for (let i = 0; i < 100; i++) q.push(`busy:${i}`);
    for (let i = 0; i < 50; i++) q.pop();
    // A flow that was idle while busy ran arrives now: it interleaves, it does not get 50 in a row.
    for (let i = 0; i < 10; i++) q.push(`late:${i}`);
    const next = Array.from({ length: 10 }, () => (q.pop() as string).split(':')[0]);
    expect(next.filter((f) => f === 'late').length).toBeGreaterThanOrEqual(4);
    expect(next.filter((f) => f === 'late').length).toBeLessThanOrEqual(6);
    while (q.pop() !== undefined);
    expect(q.flows).toBe(0);
  });

  it('rejects weights that are not finite and > 0, and bad costs, with INVALID_ARGUMENT', () => {
    for (const w of [0, -1, Infinity, NaN, '2']) {
      expect(codeOf(() => new WfqRunQueue({ flowOf: String, weights: { a: w as number } }))).toBe('INVALID_ARGUMENT');
    }
    expect(codeOf(() => new WfqRunQueue({ flowOf: String, defaultWeight: Infinity }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => new WfqRunQueue({ flowOf: 'x' as never }))).toBe('INVALID_ARGUMENT');
    const q = new WfqRunQueue<number>({ flowOf: String, costOf: (x) => x });
    expect(codeOf(() => q.push(-1))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => q.push(Infinity))).toBe('INVALID_ARGUMENT');
    const bad = new WfqRunQueue<number>({ flowOf: () => 3 as never });
    expect(codeOf(() => bad.push(1))).toBe('INVALID_ARGUMENT');
  });
});

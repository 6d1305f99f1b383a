import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../virtual-clock.test-helper.js';
import { MlfqRunQueue } from './mlfq-run-queue.js';

describe('MlfqRunQueue', () => {
  it('demotes a chatty flow below a sparse one', () => {
    const q = new MlfqRunQueue<string>({ flowOf: (x) => x, levels: 3, quantum: 2, boostInterval: 1000 });
    for (let i = 0; i < 10; i++) q.push('chatty');
    for (let i = 0; i < 4; i++) q.pop(); // chatty used 2 at level 0, demoted; 2 more at level 1
    q.push('chatty');
    q.push('sparse');
    expect(q.pop()).toBe('chatty'); // the older level-0 items of chatty come first
    // From here on new chatty items sit at a lower level; sparse's new item is at level 0.
    while (q.size > 0) {
      const x = q.pop();
      if (x === 'sparse') break;
      expect(x).toBe('chatty');
    }
    q.push('chatty');
    q.push('sparse');
    expect(q.pop()).toBe('sparse');
  });

  it('never starves: every item is popped within boostInterval + (largest queue size) pops', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.tuple(fc.nat(3), fc.nat(2)), { minLength: 1, maxLength: 300 }),
        (levels, quantum, boost, script) => {
          const q = new MlfqRunQueue<{ flow: string; at: number }>({ flowOf: (x) => x.flow, levels, quantum, boostInterval: boost });
          let pops = 0;
          let maxSize = 0;
          const pop = () => {
            const x = q.pop();
            if (x === undefined) return false;
            expect(pops - x.at).toBeLessThanOrEqual(boost + maxSize);
            pops++;
            return true;
          };
          for (const [flow, n] of script) {
            for (let i = 0; i < n + 1; i++) q.push({ flow: flow === 0 ? 'hog' : `f${flow}`, at: pops });
            maxSize = Math.max(maxSize, q.size);
            pop();
          }
          while (pop());
        },
      ),
    );
  });

  it('rejects bad options with INVALID_ARGUMENT', () => {
    for (const o of [{ levels: 0 }, { levels: 33 }, { quantum: 0 }, { boostInterval: 0 }, { boostInterval: 1.5 }]) {
      expect(codeOf(() => new MlfqRunQueue({ flowOf: String, ...o }))).toBe('INVALID_ARGUMENT');
    }
  });
});

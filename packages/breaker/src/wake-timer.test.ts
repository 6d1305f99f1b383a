import { ShnError } from '@shn/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { breakerGroup } from './breaker-group.js';
import { WakeTimer } from './wake-timer.js';
import { VirtualTime } from './virtual-time.test-helper.js';

describe('WakeTimer', () => {
  it('keeps one timer for the earliest request, wakes each client when due, and disarms when idle', async () => {
    const vt = new VirtualTime();
    const w = new WakeTimer({ timer: vt.timer, clock: vt.clock });
    const woke: string[] = [];
    const a = w.register((now) => {
      woke.push(`a@${now}`);
      return now < 300 ? now + 100 : undefined;
    });
    const b = w.register((now) => {
      woke.push(`b@${now}`);
      return undefined;
    });
    a.wakeAt(100);
    b.wakeAt(150);
    b.wakeAt(500); // a later request does not postpone an earlier one
    expect(vt.armed).toBe(1);
    await vt.advance(1000);
    expect(woke).toEqual(['a@100', 'b@150', 'a@200', 'a@300']);
    expect(vt.armed).toBe(0);
    expect(vt.maxArmed).toBe(1);
    a.wakeAt(2000);
    expect(w.armed).toBe(true);
    a.cancel();
    expect(w.armed).toBe(false);
    expect(w.clients).toBe(1);
  });

  it('refuses bad input', () => {
    expect(() => new WakeTimer({ resolutionMs: -1 })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new WakeTimer().register(3 as never)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('law: a group never has more than one timer armed, whatever the calls, failures and times', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ dest: fc.integer({ min: 0, max: 30 }), fail: fc.boolean(), wait: fc.integer({ min: 0, max: 3000 }) }),
          { minLength: 1, maxLength: 120, size: 'large' },
        ),
        async (steps) => {
          const vt = new VirtualTime();
          const g = breakerGroup({ clock: vt.clock, timer: vt.timer, consecutiveFailures: 2, openMs: 500, maxOpenMs: 2000, idleMs: 1000 });
          for (const s of steps) {
            await g
              .run(`d${s.dest}`, () => (s.fail ? Promise.reject(new ShnError('TIMEOUT', 'x')) : 'ok'))
              .catch(() => undefined);
            await vt.advance(s.wait);
            if (vt.armed > 1) return false;
          }
          // Everything ends: open ones turn half-open, closed ones are dropped; the timer goes quiet.
          await vt.advance(10_000);
          const quiet = g.snapshot().every((b) => b.state === 'half-open') && vt.armed === 0;
          g.close();
          return vt.maxArmed <= 1 && quiet;
        },
      ),
      { numRuns: 100 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { callContext } from './policy.js';
import type { CallContext } from './policy.js';
import { timeoutPolicy } from './timeout.js';
import { VirtualTime } from './virtual-time.test-helper.js';

describe('timeout', () => {
  it('rejects with TIMEOUT after ms and passes the tighter deadline to the call', async () => {
    const vt = new VirtualTime();
    const t = timeoutPolicy({ ms: 100, timer: vt.timer, clock: vt.clock });
    let seen: CallContext | undefined;
    const p = t.execute(callContext('d'), (ctx) => {
      seen = ctx;
      return new Promise(() => undefined);
    });
    const settled = p.catch((e: unknown) => e);
    await vt.advance(99);
    expect(vt.armed).toBe(1);
    await vt.advance(1);
    expect(await settled).toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('100 ms') });
    expect(seen?.deadline).toBe(vt.epoch + 100);
  });

  it('respects an earlier envelope deadline: DEADLINE_EXCEEDED, and the deadline is passed unchanged', async () => {
    const vt = new VirtualTime();
    const t = timeoutPolicy({ ms: 1000, timer: vt.timer, clock: vt.clock });
    const deadline = vt.clock.now() + 50;
    let seen: CallContext | undefined;
    const settled = t
      .execute(callContext('d', { deadline }), (ctx) => {
        seen = ctx;
        return new Promise(() => undefined);
      })
      .catch((e: unknown) => e);
    await vt.advance(50);
    expect(await settled).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    expect(seen?.deadline).toBe(deadline);
  });

  it('a deadline already past fails at once without calling; a fast call clears its timer', async () => {
    const vt = new VirtualTime();
    const t = timeoutPolicy({ ms: 1000, timer: vt.timer, clock: vt.clock });
    let called = false;
    await expect(
      t.execute(callContext('d', { deadline: vt.clock.now() }), async () => {
        called = true;
      }),
    ).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    expect(called).toBe(false);
    await expect(t.execute(callContext('d'), async () => 'fast')).resolves.toBe('fast');
    expect(vt.armed).toBe(0);
  });

  it('refuses a non-finite or non-positive timeout', () => {
    for (const ms of [Infinity, Number.NaN, 0, -1]) {
      expect(() => timeoutPolicy(ms)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('timeout ms') }));
    }
  });
});

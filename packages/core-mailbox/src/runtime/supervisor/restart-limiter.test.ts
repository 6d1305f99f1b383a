import { describe, expect, it } from 'vitest';
import { RestartLimiter } from './restart-limiter.js';

describe('RestartLimiter', () => {
  it('backs off exponentially, caps, and gives up past the intensity', () => {
    const l = new RestartLimiter({ maxRestarts: 3, periodMs: 1000, backoffMs: { initial: 10, max: 25 } });
    expect(l.next(0)).toBe(10);
    expect(l.next(1)).toBe(20);
    expect(l.next(2)).toBe(25);
    expect(l.next(3)).toBe(-1);
    // After the window passes, restarts are allowed again and backoff starts over.
    expect(l.next(2000)).toBe(10);
  });

  it("uses core's RestartWindow: a restart exactly periodMs ago has left the window", () => {
    const l = new RestartLimiter({ maxRestarts: 1, periodMs: 1000 });
    expect(l.next(0)).toBe(10);
    expect(l.next(1000)).toBe(10);
    expect(l.next(1999)).toBe(-1);
  });

  it('rejects bad options with INVALID_ARGUMENT', () => {
    for (const o of [{ maxRestarts: -1 }, { periodMs: 0 }, { backoffMs: { initial: 10, max: 5 } }]) {
      expect(() => new RestartLimiter(o)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });
});

import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isShnError } from '@shn/core';
import type { Timer, TimerHandle } from '@shn/core';
import { DOORBELL_BYTES, Doorbell } from './doorbell.js';
import { SpscRing } from './spsc-ring.js';

beforeAll(() => {
  if (!existsSync(new URL('../../dist/ring/index.js', import.meta.url))) {
    throw new Error('packages/core-mailbox/dist is missing: run `pnpm build` before these tests');
  }
});

function spawn(file: string, workerData: unknown): Worker {
  return new Worker(new URL(file, import.meta.url), { workerData });
}

describe('Doorbell (one thread)', () => {
  it("returns 'work' without parking when hasWork is already true", async () => {
    const bell = Doorbell.create();
    let calls = 0;
    await expect(bell.wait(() => ++calls === 3, { spins: 5 })).resolves.toBe('work');
    expect(calls).toBe(3);
    expect(bell.parked).toBe(false);
  });

  it("re-checks hasWork after announcing the park (work arriving 'just before sleep' is not lost)", async () => {
    const bell = Doorbell.create();
    let calls = 0;
    // false for every spin, true on the post-announce re-check
    await expect(bell.wait(() => ++calls > 4, { spins: 4, spinMicros: 0 })).resolves.toBe('work');
    expect(bell.parked).toBe(false);
  });

  it("keeps polling for spinMicros (by the injected clock) and returns 'work' found then, without parking", async () => {
    let now = 0;
    const clock = { now: () => now, monotonic: () => now };
    const bell = Doorbell.create({ clock });
    let checks = 0;
    // Work shows up on the 200th check, while virtual time is still inside the 1 ms polling window.
    const hasWork = () => {
      checks++;
      now += 0.001;
      return checks >= 200;
    };
    expect(await bell.wait(hasWork, { spins: 0, spinMicros: 1000 })).toBe('work');
    expect(checks).toBe(200);
    expect(bell.parked).toBe(false);
    // Past the window it parks: spinMicros 0 parks right after the spins.
    checks = 0;
    const parked = bell.wait(() => false, { spins: 3, spinMicros: 0, timeoutMs: 1 });
    expect(bell.parked).toBe(true);
    expect(await parked).toBe('timeout');
  });

  it("resolves 'timeout' after timeoutMs when nobody rings", async () => {
    const bell = Doorbell.create();
    const t0 = performance.now();
    await expect(bell.wait(() => false, { timeoutMs: 30, spins: 0 })).resolves.toBe('timeout');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(25);
    expect(bell.parked).toBe(false);
    await expect(bell.wait(() => false, { timeoutMs: 0, spins: 0 })).resolves.toBe('timeout');
  });

  it("resolves 'rung' on ring() while parked and on wake()", async () => {
    const bell = Doorbell.create();
    const other = Doorbell.attach(bell.buffer);
    const first = bell.wait(() => false, { spins: 0 });
    expect(other.parked).toBe(true);
    other.ring();
    await expect(first).resolves.toBe('rung');
    const second = bell.wait(() => false, { spins: 0 });
    other.wake();
    await expect(second).resolves.toBe('rung');
  });

  it('holds a keep-alive timer only while parked (and none with unref)', async () => {
    const live = new Set<TimerHandle>();
    const timer: Timer = {
      setTimeout: () => {
        const h = {};
        live.add(h);
        return h;
      },
      clearTimeout: (h) => void live.delete(h),
    };
    const bell = Doorbell.create({ timer });
    const parked = bell.wait(() => false, { spins: 0 });
    expect(live.size).toBe(1);
    bell.wake();
    await parked;
    expect(live.size).toBe(0);
    const unref = bell.wait(() => false, { spins: 0, unref: true });
    expect(live.size).toBe(0);
    bell.wake();
    await unref;
  });

  it('ring() does nothing observable when nobody is parked', async () => {
    const bell = Doorbell.create();
    bell.ring();
    // A later wait is not woken by the earlier ring.
    await expect(bell.wait(() => false, { spins: 0, timeoutMs: 5 })).resolves.toBe('timeout');
  });

  it('rejects a bad spinMicros with INVALID_ARGUMENT', () => {
    const bell = Doorbell.create();
    for (const spinMicros of [-1, Number.NaN, 2e6]) {
      expect(() => bell.wait(() => true, { spinMicros })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });

  it('rejects bad options and garbage buffers with INVALID_ARGUMENT', () => {
    const bell = Doorbell.create();
    for (const options of [{ timeoutMs: -1 }, { timeoutMs: Number.NaN }, { spins: -1 }, { spins: 1.5 }]) {
      expect(() => bell.wait(() => false, options)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    expect(bell.parked).toBe(false);
    const bad = [undefined, new ArrayBuffer(DOORBELL_BYTES), new SharedArrayBuffer(8), SpscRing.create(1024).buffer];
    for (const buffer of bad) {
      expect(() => Doorbell.attach(buffer as SharedArrayBuffer)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    fc.assert(
      fc.property(fc.uint8Array({ minLength: DOORBELL_BYTES, maxLength: DOORBELL_BYTES }), (junk) => {
        const buffer = new SharedArrayBuffer(DOORBELL_BYTES);
        new Uint8Array(buffer).set(junk);
        fc.pre(junk[0] !== 0x53 || junk[1] !== 0x48);
        try {
          Doorbell.attach(buffer);
          return false;
        } catch (error) {
          return isShnError(error) && error.code === 'INVALID_ARGUMENT';
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe('Doorbell across real threads', () => {
  for (const seed of [11, 12]) {
    it(`loses no wake-up under many short producer bursts (seed ${seed})`, async () => {
      const bursts = 1500;
      const ring = SpscRing.create(1024);
      const bell = Doorbell.create();
      const worker = spawn('./doorbell-burst.worker.mjs', { ringBuffer: ring.buffer, bellBuffer: bell.buffer, bursts, seed });
      let producedFrames = -1;
      worker.once('message', (m: { frames: number }) => {
        producedFrames = m.frames;
        bell.wake(); // the consumer may be parked on an empty ring: let it see that the producer is done
      });
      const exited = once(worker, 'exit');
      let next = 0;
      const reasons = { work: 0, rung: 0, timeout: 0 };
      while (producedFrames < 0 || next < producedFrames) {
        const why = await bell.wait(() => ring.hasData(), { spins: next % 3 === 0 ? 0 : 20, timeoutMs: 5_000 });
        reasons[why]++;
        if (why === 'timeout') {
          await worker.terminate();
          throw new Error(`lost wake-up: stalled with ${next} of ${producedFrames < 0 ? '?' : producedFrames} frames read`);
        }
        for (let at = ring.peek(); at >= 0; at = ring.peek()) {
          expect(ring.view.getUint32(at, true)).toBe(next++);
          ring.consume();
        }
        ring.release();
      }
      await exited;
      expect(next).toBe(producedFrames);
      expect(reasons.rung).toBeGreaterThan(0); // the consumer really parked and was woken
    });
  }

  it('a parked thread stays alive until rung; with unref: true it may exit while parked', async () => {
    const keptBell = Doorbell.create();
    const unrefBell = Doorbell.create();
    const kept = spawn('./doorbell-waiter.worker.mjs', { bellBuffer: keptBell.buffer, unref: false });
    const loose = spawn('./doorbell-waiter.worker.mjs', { bellBuffer: unrefBell.buffer, unref: true });
    let keptExited = false;
    const keptExit = once(kept, 'exit').then(([code]) => {
      keptExited = true;
      return code as number;
    });
    const keptMessages: unknown[] = [];
    kept.on('message', (m) => keptMessages.push(m));
    const looseMessages: unknown[] = [];
    loose.on('message', (m) => looseMessages.push(m));

    // The unref'd waiter exits on its own while still parked (it never reports a wake reason).
    const [looseCode] = await once(loose, 'exit');
    expect(looseCode).toBe(0);
    expect(looseMessages).toEqual(['parked']);
    expect(Atomics.load(new Int32Array(unrefBell.buffer), 32)).toBe(1); // died parked

    // Meanwhile the ref'd waiter is still parked and alive.
    if (keptMessages.length === 0) await once(kept, 'message');
    expect(keptMessages).toEqual(['parked']);
    expect(keptExited).toBe(false);
    expect(keptBell.parked).toBe(true);

    keptBell.ring();
    expect(await keptExit).toBe(0);
    expect(keptMessages).toEqual(['parked', 'rung']);
  });
});

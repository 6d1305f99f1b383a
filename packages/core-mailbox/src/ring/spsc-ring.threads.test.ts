import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { beforeAll, describe, expect, it } from 'vitest';
import { seededRng } from '@shn/core';
import { Doorbell } from './doorbell.js';
import { SpscRing } from './spsc-ring.js';

// Workers run plain Node, so they import the built package (dist). turbo builds before testing.
beforeAll(() => {
  if (!existsSync(new URL('../../dist/ring/index.js', import.meta.url))) {
    throw new Error('packages/core-mailbox/dist is missing: run `pnpm build` before these tests');
  }
});

function spawn(file: string, workerData: unknown): Worker {
  return new Worker(new URL(file, import.meta.url), { workerData });
}

describe('SpscRing across two real threads', () => {
  const cases = [
    { seed: 1, capacity: 1024, maxLength: 200, batch: 1 },
    { seed: 2, capacity: 1024, maxLength: 508, batch: 7 },
    { seed: 3, capacity: 1024, maxLength: 60, batch: 32 },
    { seed: 4, capacity: 4096, maxLength: 900, batch: 4 },
  ];
  for (const { seed, capacity, maxLength, batch } of cases) {
    it(`delivers every frame exactly once, in order, intact (seed ${seed}, ${capacity} B ring, frames <= ${maxLength} B, publish every ${batch})`, async () => {
      const count = 8_000;
      const ring = SpscRing.create(capacity);
      const bell = Doorbell.create();
      const space = Doorbell.create();
      const worker = spawn('./ring-producer.worker.mjs', {
        ringBuffer: ring.buffer,
        bellBuffer: bell.buffer,
        spaceBuffer: space.buffer,
        seed,
        count,
        maxLength,
        batch,
      });
      const done = once(worker, 'message') as Promise<[{ fullWaits: number }]>;
      const exited = once(worker, 'exit') as Promise<[number]>;
      worker.on('error', (error) => {
        throw error;
      });
      const rng = seededRng(seed);
      let received = 0;
      let parks = 0;
      let corrupt = 0;
      while (received < count) {
        const at = ring.peek();
        if (at < 0) {
          ring.release();
          space.ring();
          const why = await bell.wait(() => ring.hasData(), { timeoutMs: 10_000 });
          if (why === 'timeout') throw new Error(`stalled at frame ${received}: lost wake-up`);
          if (why === 'rung') parks++;
          continue;
        }
        const length = 4 + rng.int(maxLength - 3);
        expect(ring.frameLength).toBe(length);
        expect(ring.view.getUint32(at, true)).toBe(received);
        for (let j = 4; j < length; j++) if (ring.bytes[at + j] !== ((received * 131 + j) & 0xff)) corrupt++;
        ring.consume();
        received++;
        if (received % 8 === 0) {
          ring.release();
          space.ring();
        }
      }
      ring.release();
      space.ring();
      const [{ fullWaits }] = await done;
      expect(await exited).toEqual([0]);
      expect(corrupt).toBe(0);
      expect(ring.tryRead()).toBeUndefined(); // nothing extra (no duplicates)
      expect(ring.depth).toBe(0);
      // The small ring really was full at times, and the consumer really parked.
      if (capacity === 1024) expect(fullWaits).toBeGreaterThan(0);
      expect(parks + fullWaits).toBeGreaterThan(0);
    });
  }
});

describe('SpscRing.recoverConsumer after a real consumer thread died', () => {
  for (const { dieAt, releaseEvery } of [
    { dieAt: 0, releaseEvery: 1 },
    { dieAt: 13, releaseEvery: 5 },
    { dieAt: 40, releaseEvery: 100 },
  ]) {
    it(`drops the frame in flight (k=${dieAt}), never redelivers processed ones, keeps the rest (release every ${releaseEvery})`, async () => {
      const total = 60;
      const ring = SpscRing.create(1024);
      const frame = (i: number): Uint8Array => Uint8Array.of(i, i ^ 0x5a, 3, 4, 5, 6, 7, 8);
      for (let i = 0; i < total; i++) expect(ring.tryWrite(frame(i))).toBe(true);
      const worker = spawn('./ring-consumer-dies.worker.mjs', { ringBuffer: ring.buffer, dieAt, releaseEvery });
      const [code] = (await once(worker, 'exit')) as [number];
      expect(code).toBe(7);
      const releasedByDeadConsumer = Math.floor(dieAt / releaseEvery) * releaseEvery;
      expect(ring.depth).toBe(total - releasedByDeadConsumer);
      // The producer keeps going while the consumer is dead.
      expect(ring.tryWrite(frame(total))).toBe(true);
      const { lost, skippedFrames } = ring.recoverConsumer();
      expect(lost).toEqual(frame(dieAt));
      expect(skippedFrames).toBe(dieAt - releasedByDeadConsumer);
      const next = SpscRing.attach(ring.buffer);
      for (let i = dieAt + 1; i <= total; i++) expect(next.tryRead()).toEqual(frame(i));
      expect(next.tryRead()).toBeUndefined();
    });
  }
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SpscRing } from './spsc-ring.js';

function frame(i: number, length: number): Uint8Array {
  const out = new Uint8Array(length + 4);
  new DataView(out.buffer).setUint32(0, i, true);
  for (let j = 4; j < out.length; j++) out[j] = (i + j) & 0xff;
  return out;
}
function seqOf(bytes: Uint8Array): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
}

describe('SpscRing.recoverConsumer (simulated death: the consumer object is abandoned)', () => {
  it('drops processed frames, returns the in-flight one as lost, keeps the rest queued', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200 }), // frames before the scenario (moves the wrap position)
        fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 12 }), // 12 x (4+4+60) + wrap < 1024
        fc.nat(),
        fc.boolean(),
        fc.integer({ min: 0, max: 3 }),
        (warmup, lengths, pick, inFlight, releasedAt) => {
          const producer = SpscRing.create(1024);
          for (let i = 0; i < warmup; i++) {
            producer.tryWrite(frame(i, i % 50));
            producer.tryRead();
          }
          lengths.forEach((length, i) => expect(producer.tryWrite(frame(i, length))).toBe(true));
          // The dying consumer processes k frames (releasing only some), then maybe begins frame k.
          const k = pick % lengths.length;
          const consumer = SpscRing.attach(producer.buffer);
          for (let i = 0; i < k; i++) {
            const at = consumer.peek();
            expect(seqOf(consumer.bytes.subarray(at, at + 4))).toBe(i);
            consumer.beginFrame();
            consumer.consume();
            if (i + 1 === Math.min(releasedAt, k)) consumer.release();
          }
          if (inFlight) {
            expect(consumer.peek()).toBeGreaterThanOrEqual(0);
            consumer.beginFrame();
          }
          const releasedBefore = Math.min(releasedAt, k);
          expect(producer.depth).toBe(lengths.length - releasedBefore);
          // consumer dies here; the supervisor recovers through its own object
          const { lost, skippedFrames } = producer.recoverConsumer();
          expect(skippedFrames).toBe(k - releasedBefore);
          if (inFlight) {
            expect(lost).toEqual(frame(k, lengths[k] as number));
          } else {
            expect(lost).toBeUndefined();
          }
          const firstSurvivor = k + (inFlight ? 1 : 0);
          expect(producer.depth).toBe(lengths.length - firstSurvivor);
          // A new consumer attaches and sees exactly the frames behind the lost one.
          const next = SpscRing.attach(producer.buffer);
          for (let i = firstSurvivor; i < lengths.length; i++) {
            expect(next.tryRead()).toEqual(frame(i, lengths[i] as number));
          }
          expect(next.tryRead()).toBeUndefined();
          expect(producer.depth).toBe(0);
          expect(producer.usedBytes).toBe(0);
          // The producer keeps working on the recovered ring.
          expect(producer.tryWrite(frame(99, 7))).toBe(true);
          expect(next.tryRead()).toEqual(frame(99, 7));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is a no-op on a healthy idle ring and reports nothing lost', () => {
    const ring = SpscRing.create(1024);
    ring.tryWrite(Uint8Array.of(5));
    expect(ring.recoverConsumer()).toEqual({ lost: undefined, skippedFrames: 0 });
    expect(ring.tryRead()).toEqual(Uint8Array.of(5));
  });
});

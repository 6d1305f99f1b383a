import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SpscRing, ringFrameBytes } from './spsc-ring.js';

/** Deterministic payload for frame `seq` of `length` bytes. */
function payload(seq: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (seq * 31 + i * 7 + 11) & 0xff;
  return out;
}

/** Byte-wise equality without vitest's (slow) deep diffing. */
function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * An independent model of the ring's space accounting: a FIFO of (seq, length) plus the byte
 * positions, computing whether a frame fits from the documented layout (frames of 4 + pad4(len)
 * bytes, never straddling the end, the tail bytes skipped when they are too short).
 */
class Model {
  readonly queue: { seq: number; length: number; bytes: number }[] = [];
  head = 0; // byte position, unbounded (tests stay far below 2^32)
  tail = 0;
  constructor(readonly capacity: number) {}
  fits(length: number): { fits: boolean; need: number } {
    const frame = ringFrameBytes(length);
    const untilEnd = this.capacity - (this.head % this.capacity);
    const need = (untilEnd < frame ? untilEnd : 0) + frame;
    return { fits: need <= this.capacity - (this.head - this.tail), need };
  }
}

type Op = { kind: 'write'; length: number } | { kind: 'read'; count: number } | { kind: 'batch'; lengths: number[] };

const CAPACITIES = [1024, 2048, 4096] as const;

function opArb(maxFrame: number): fc.Arbitrary<Op> {
  const length = fc.oneof(
    fc.integer({ min: 0, max: 16 }),
    fc.integer({ min: 0, max: maxFrame }),
    fc.constantFrom(0, 1, 2, 3, 4, 5, maxFrame - 1, maxFrame),
  );
  return fc.oneof(
    { weight: 5, arbitrary: length.map((l) => ({ kind: 'write', length: l }) as Op) },
    { weight: 1, arbitrary: fc.array(length, { maxLength: 8 }).map((ls) => ({ kind: 'batch', lengths: ls }) as Op) },
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 6 }).map((c) => ({ kind: 'read', count: c }) as Op) },
  );
}

describe('SpscRing (single thread, against a model)', () => {
  it('never loses, duplicates or reorders; full only when the frame really does not fit; gauges agree', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CAPACITIES).chain((capacity) =>
          fc.tuple(
            fc.constant(capacity),
            // A prefix of writes of tiny frames moves the start position to every 4-byte alignment.
            fc.integer({ min: 0, max: capacity / 4 - 1 }),
            fc.array(opArb(capacity / 2 - 4), { minLength: 1, maxLength: 120 }),
          ),
        ),
        ([capacity, shift, ops]) => {
          const ring = SpscRing.create(capacity);
          const model = new Model(capacity);
          let seq = 0;
          // Shift the start offset: write and read `shift` empty frames.
          for (let i = 0; i < shift; i++) {
            expect(ring.tryWrite(new Uint8Array(0))).toBe(true);
            expect(ring.tryRead()?.length).toBe(0);
            model.head += 4;
            model.tail += 4;
          }
          const check = (): void => {
            expect(ring.depth).toBe(model.queue.length);
            expect(ring.usedBytes).toBe(model.head - model.tail);
            expect(ring.hasData()).toBe(model.queue.length > 0);
          };
          const write = (length: number, publish: boolean): void => {
            const { fits, need } = model.fits(length);
            const at = ring.reserve(length);
            expect(at >= 0).toBe(fits);
            if (!fits) return;
            expect(at + length).toBeLessThanOrEqual(capacity);
            expect(at % 4).toBe(0);
            ring.bytes.set(payload(seq, length), at);
            ring.commit();
            model.queue.push({ seq, length, bytes: need });
            model.head += need;
            seq++;
            if (publish) expect(ring.publish()).toBe(true);
          };
          for (const op of ops) {
            if (op.kind === 'write') {
              write(op.length, true);
            } else if (op.kind === 'batch') {
              const before = ring.depth;
              for (const length of op.lengths) write(length, false);
              const added = model.queue.length - before;
              // Nothing is visible before publish.
              expect(ring.depth).toBe(before);
              expect(ring.publish()).toBe(added > 0);
            } else {
              for (let i = 0; i < op.count; i++) {
                const at = ring.peek();
                const expected = model.queue.shift();
                if (expected === undefined) {
                  expect(at).toBe(-1);
                  break;
                }
                expect(at).toBeGreaterThanOrEqual(0);
                expect(ring.frameLength).toBe(expected.length);
                expect(sameBytes(ring.bytes.subarray(at, at + ring.frameLength), payload(expected.seq, expected.length))).toBe(true);
                // peek is idempotent until consume
                expect(ring.peek()).toBe(at);
                ring.beginFrame();
                ring.consume();
                model.tail += expected.bytes;
              }
              ring.release();
            }
            check();
          }
          // Drain: everything written comes out, in order.
          for (;;) {
            const got = ring.tryRead();
            const expected = model.queue.shift();
            if (expected === undefined) {
              expect(got).toBeUndefined();
              break;
            }
            expect(sameBytes(got, payload(expected.seq, expected.length))).toBe(true);
            model.tail += expected.bytes;
          }
          check();
          expect(ring.usedBytes).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a frame of any legal size fits in an empty ring at every start alignment', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CAPACITIES).chain((capacity) =>
          fc.tuple(fc.constant(capacity), fc.integer({ min: 0, max: capacity / 4 - 1 }), fc.integer({ min: 0, max: capacity / 2 - 4 })),
        ),
        ([capacity, shift, length]) => {
          const ring = SpscRing.create(capacity);
          for (let i = 0; i < shift; i++) {
            ring.tryWrite(new Uint8Array(0));
            ring.tryRead();
          }
          const data = payload(shift, length);
          expect(ring.tryWrite(data)).toBe(true);
          expect(ring.tryRead()).toEqual(data);
          expect(ring.depth).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reserve without room changes nothing', () => {
    const ring = SpscRing.create(1024);
    let writes = 0;
    while (ring.tryWrite(payload(writes, 60))) writes++;
    const used = ring.usedBytes;
    const depth = ring.depth;
    expect(ring.reserve(60)).toBe(-1);
    expect(ring.publish()).toBe(false);
    expect(ring.usedBytes).toBe(used);
    expect(ring.depth).toBe(depth);
    for (let i = 0; i < writes; i++) expect(ring.tryRead()).toEqual(payload(i, 60));
    expect(ring.tryRead()).toBeUndefined();
  });

  it('survives 32-bit position wrap-around (positions start just below 2^32)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1024 }), fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 60 }), (back, lengths) => {
        const buffer = SpscRing.create(1024).buffer;
        const header = new Uint32Array(buffer, 0, 64);
        const start = (2 ** 32 - back * 4) >>> 0;
        header[16] = start; // head
        header[32] = start; // tail
        header[48] = start; // cursor
        const ring = SpscRing.attach(buffer);
        let written = 0;
        let read = 0;
        for (const length of lengths) {
          while (!ring.tryWrite(payload(written, length))) {
            expect(read).toBeLessThan(written); // an empty ring always has room
            expect(sameBytes(ring.tryRead(), payload(read, lengths[read] ?? -1))).toBe(true);
            read++;
          }
          written++;
          expect(ring.depth).toBe(written - read);
          expect(ring.usedBytes).toBeLessThanOrEqual(1024);
        }
        while (read < written) {
          expect(sameBytes(ring.tryRead(), payload(read, lengths[read] ?? -1))).toBe(true);
          read++;
        }
        expect(ring.tryRead()).toBeUndefined();
        expect(ring.usedBytes).toBe(0);
        expect(ring.hasData()).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects bad lengths and misuse with INVALID_ARGUMENT', () => {
    const ring = SpscRing.create(1024);
    for (const bad of [-1, 1.5, Number.NaN, Infinity, ring.maxFrameSize + 1]) {
      expect(() => ring.reserve(bad)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    expect(() => ring.commit()).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => ring.consume()).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => ring.beginFrame()).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => ring.tryWrite('x' as unknown as Uint8Array)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(ring.maxFrameSize).toBe(508);
    expect(ring.tryWrite(new Uint8Array(508))).toBe(true);
  });

  it('performs 1e6 32-byte frames through reserve/commit/publish/peek/consume/release quickly (printed once)', () => {
    const ring = SpscRing.create(1 << 16);
    const n = 1_000_000;
    const batch = 64;
    let sum = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i += batch) {
      for (let j = 0; j < batch; j++) {
        const at = ring.reserve(32);
        ring.view.setUint32(at, i + j, true);
        ring.commit();
      }
      ring.publish();
      for (let j = 0; j < batch; j++) {
        const at = ring.peek();
        sum += ring.view.getUint32(at, true);
        ring.consume();
      }
      ring.release();
    }
    const ms = performance.now() - t0;
    console.log(`SpscRing smoke: 1e6 x 32-byte frames in ${ms.toFixed(0)} ms (${(n / ms / 1000).toFixed(1)} M/s)`);
    expect(sum).toBe((n * (n - 1)) / 2);
  });
});

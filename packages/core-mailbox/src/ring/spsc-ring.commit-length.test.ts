import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SpscRing } from './spsc-ring.js';

describe('SpscRing.commit(length)', () => {
  it('keeps only the bytes written when a worst case was reserved, in order, across wrap-around', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 200 })), { minLength: 1, maxLength: 300 }),
        (frames) => {
          const ring = SpscRing.create(1024);
          let seq = 0;
          let next = 0;
          // Every non-empty frame is filled with its sequence number; empty ones carry nothing.
          const drain = (): void => {
            ring.publish();
            for (let off = ring.peek(); off >= 0; off = ring.peek()) {
              for (let i = 0; i < ring.frameLength; i++) expect(ring.bytes[off + i]).toBe(next & 0xff);
              if (ring.frameLength > 0) next++;
              ring.consume();
            }
            ring.release();
          };
          for (const [reserved, extra] of frames) {
            const written = Math.min(reserved, extra);
            let at = ring.reserve(reserved);
            if (at < 0) {
              drain();
              at = ring.reserve(reserved);
            }
            expect(at).toBeGreaterThanOrEqual(0);
            ring.bytes.fill(seq & 0xff, at, at + written);
            ring.commit(written);
            if (written > 0) seq++;
          }
          drain();
          expect(next).toBe(seq);
        },
      ),
    );
  });

  it('rejects a length above the reservation or not an integer', () => {
    const ring = SpscRing.create(1024);
    for (const bad of [11, -1, 1.5, Number.NaN]) {
      ring.reserve(10);
      expect(() => ring.commit(bad)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    ring.reserve(10);
    ring.commit(3);
    ring.publish();
    expect(ring.peek()).toBeGreaterThanOrEqual(0);
    expect(ring.frameLength).toBe(3);
  });
});

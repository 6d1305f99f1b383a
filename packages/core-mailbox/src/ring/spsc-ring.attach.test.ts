import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isShnError } from '@shn/core';
import { RING_HEADER_BYTES, RING_MAGIC, SpscRing } from './spsc-ring.js';

function expectInvalid(fn: () => unknown): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(isShnError(caught)).toBe(true);
  expect((caught as { code: string }).code).toBe('INVALID_ARGUMENT');
}

function header(buffer: SharedArrayBuffer): Uint32Array {
  return new Uint32Array(buffer, 0, RING_HEADER_BYTES / 4);
}

describe('SpscRing.create / attach validation', () => {
  it('create rejects capacities that are not a power of two in [1 KiB, 1 GiB]', () => {
    for (const bad of [0, -1024, 512, 1000, 1536, 3000, 2 ** 31, 1024.5, Number.NaN, '1024']) {
      expectInvalid(() => SpscRing.create(bad as number));
    }
    fc.assert(
      fc.property(fc.integer({ min: 1025, max: 1 << 20 }), (n) => {
        fc.pre((n & (n - 1)) !== 0);
        expectInvalid(() => SpscRing.create(n));
      }),
      { numRuns: 50 },
    );
    expect(SpscRing.create(1024).capacity).toBe(1024);
  });

  it('attach rejects things that are not SharedArrayBuffers', () => {
    for (const bad of [undefined, null, 42, 'ring', {}, new ArrayBuffer(1280), new Uint8Array(1280)]) {
      expectInvalid(() => SpscRing.attach(bad as unknown as SharedArrayBuffer));
    }
  });

  it('attach rejects garbage buffers (random bytes never pass as a ring)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 2048 }), (junk) => {
        const buffer = new SharedArrayBuffer(Math.max(junk.length, 1));
        new Uint8Array(buffer).set(junk);
        fc.pre(junk.length < 4 || new DataView(buffer).getUint32(0, true) !== RING_MAGIC);
        expectInvalid(() => SpscRing.attach(buffer));
      }),
      { numRuns: 100 },
    );
    expectInvalid(() => SpscRing.attach(new SharedArrayBuffer(RING_HEADER_BYTES + 1024)));
  });

  it('attach rejects wrong magic, version, non-power-of-two capacity, size mismatch and bad indices', () => {
    const mutate = (change: (h: Uint32Array) => void, size?: number): SharedArrayBuffer => {
      const source = SpscRing.create(1024).buffer;
      const buffer = new SharedArrayBuffer(size ?? source.byteLength);
      new Uint8Array(buffer).set(new Uint8Array(source).subarray(0, Math.min(source.byteLength, buffer.byteLength)));
      change(header(buffer));
      return buffer;
    };
    expectInvalid(() => SpscRing.attach(mutate((h) => (h[0] = 0xdeadbeef))));
    expectInvalid(() => SpscRing.attach(mutate((h) => (h[1] = 2))));
    expectInvalid(() => SpscRing.attach(mutate((h) => (h[2] = 1000))));
    expectInvalid(() => SpscRing.attach(mutate((h) => (h[2] = 2048)))); // header says 2048, buffer holds 1024
    expectInvalid(() => SpscRing.attach(mutate(() => {}, RING_HEADER_BYTES + 2048)));
    expectInvalid(() => SpscRing.attach(mutate((h) => (h[16] = 2048)))); // head more than capacity ahead of tail
    expectInvalid(() => SpscRing.attach(mutate((h) => (h[16] = 6)))); // misaligned head
    expectInvalid(() => SpscRing.attach(mutate((h) => (h[48] = 64)))); // cursor beyond head
  });

  it('attach sees frames and the closed flag written through another object', () => {
    const producer = SpscRing.create(1024);
    producer.tryWrite(Uint8Array.of(1, 2, 3));
    const consumer = SpscRing.attach(producer.buffer);
    expect(consumer.capacity).toBe(1024);
    expect(consumer.depth).toBe(1);
    expect(consumer.tryRead()).toEqual(Uint8Array.of(1, 2, 3));
    expect(producer.depth).toBe(0);
    expect(consumer.closed).toBe(false);
    producer.close();
    expect(consumer.closed).toBe(true);
  });
});

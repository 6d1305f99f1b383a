import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameWriter } from '../frame/frame-writer.js';
import { MeshEndpoint, PUBLISH_EVERY, createMesh } from './mesh.js';

/** Frames `consumer` can read now, handed to `seen`. */
function drain(consumer: MeshEndpoint, seen: number[]): number {
  return consumer.pollOnce((_from, bytes, offset) => {
    seen.push(bytes[offset] as number);
    return true;
  });
}

describe('MeshEndpoint publishing', () => {
  it('a long synchronous run of sends is published every PUBLISH_EVERY frames, the rest at the flush, in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3 * PUBLISH_EVERY + 7 }), async (n) => {
        const layout = createMesh(2, 1 << 16);
        const producer = new MeshEndpoint(layout, 0);
        const consumer = new MeshEndpoint(layout, 1);
        const w = new FrameWriter(16);
        const seen: number[] = [];
        for (let i = 0; i < n; i++) {
          w.reset();
          w.u8(i & 0xff);
          expect(producer.send(1, w)).toBe(true);
        }
        // Before the microtask checkpoint: only whole groups of PUBLISH_EVERY are visible.
        const early = Math.floor(n / PUBLISH_EVERY) * PUBLISH_EVERY;
        while (drain(consumer, seen) > 0);
        expect(seen.length).toBe(early);
        await Promise.resolve();
        while (drain(consumer, seen) > 0);
        expect(seen).toEqual(Array.from({ length: n }, (_, i) => i & 0xff));
      }),
      { numRuns: 25 },
    );
  });
});

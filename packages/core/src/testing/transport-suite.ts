import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hasCode } from '../errors.js';
import type { Transport } from '../transport.js';

/** Options of {@link transportSuite}. */
export interface TransportSuiteOptions {
  /**
   * Two connected, open transports with distinct `node` names that can send to each other.
   * Called once per test case; the suite closes both afterwards.
   */
  createPair(): Promise<[Transport, Transport]> | [Transport, Transport];
}

interface Received {
  readonly from: string;
  readonly frame: Uint8Array;
}

/** Collects frames from `t` and lets a test await the n-th one (no sleeps). */
class FrameCollector {
  readonly frames: Received[] = [];
  readonly #waiters: Array<{ count: number; resolve: () => void }> = [];
  readonly unregister: () => void;

  constructor(t: Transport) {
    this.unregister = t.onFrame((from, frame) => {
      this.frames.push({ from, frame: frame.slice() });
      for (let i = this.#waiters.length - 1; i >= 0; i--) {
        const w = this.#waiters[i]!;
        if (this.frames.length >= w.count) {
          this.#waiters.splice(i, 1);
          w.resolve();
        }
      }
    });
  }

  /** Resolves once at least `count` frames have arrived. */
  waitFor(count: number): Promise<void> {
    if (this.frames.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }
}

/** Awaits `run()` and checks it REJECTED with `TRANSPORT_FAILED`. */
async function expectTransportFailed(what: string, run: () => Promise<unknown>): Promise<void> {
  let error: unknown;
  let resolved = false;
  try {
    await run();
    resolved = true;
  } catch (e) {
    error = e;
  }
  expect(resolved, `${what}: resolved instead of rejecting`).toBe(false);
  expect(hasCode(error, 'TRANSPORT_FAILED'), `${what}: expected ShnError TRANSPORT_FAILED, got ${String(error)}`).toBe(true);
}

const framesArb = fc.array(fc.uint8Array({ maxLength: 2048 }), { minLength: 1, maxLength: 40 });

/**
 * The {@link Transport} conformance suite. Call it at the top level of a vitest test file;
 * it registers `describe(name)` with one `it` per guarantee: frames (empty, small and
 * 1 MiB) arrive whole, unaliased and in order per peer, tagged with the sender's node name,
 * in both directions and when interleaved; unregistering a handler stops delivery to it;
 * `send` to an unknown peer and `send` after `close()` reject with `TRANSPORT_FAILED`;
 * `close()` is idempotent.
 *
 * Needs `vitest` and `fast-check` (optional peer dependencies of `@shn/core`).
 */
export function transportSuite(name: string, options: TransportSuiteOptions): void {
  describe(name, () => {
    let open: Transport[] = [];
    const pair = async (): Promise<[Transport, Transport]> => {
      const [a, b] = await options.createPair();
      open.push(a, b);
      expect(typeof a.node === 'string' && typeof b.node === 'string').toBe(true);
      expect(a.node).not.toBe(b.node);
      return [a, b];
    };
    afterEach(async () => {
      const closing = open;
      open = [];
      await Promise.all(closing.map((t) => t.close()));
    });

    it('delivers frames whole and in order, tagged with the sender, in both directions', async () => {
      const [a, b] = await pair();
      const atA = new FrameCollector(a);
      const atB = new FrameCollector(b);
      let sentAB = 0;
      let sentBA = 0;
      const expectedAtA: Uint8Array[] = [];
      const expectedAtB: Uint8Array[] = [];
      await fc.assert(
        fc.asyncProperty(framesArb, framesArb, async (ab, ba) => {
          // Interleave the two directions without awaiting each send, as real callers do.
          const sends: Array<Promise<void>> = [];
          for (let i = 0; i < Math.max(ab.length, ba.length); i++) {
            const x = ab[i];
            const y = ba[i];
            if (x !== undefined) sends.push(a.send(b.node, x));
            if (y !== undefined) sends.push(b.send(a.node, y));
          }
          expectedAtB.push(...ab.map((f) => f.slice()));
          expectedAtA.push(...ba.map((f) => f.slice()));
          sentAB += ab.length;
          sentBA += ba.length;
          await Promise.all(sends);
          await Promise.all([atB.waitFor(sentAB), atA.waitFor(sentBA)]);
        }),
        { numRuns: 10 },
      );
      expect(atB.frames.length).toBe(sentAB);
      expect(atA.frames.length).toBe(sentBA);
      expect(atB.frames.map((r) => r.from).every((f) => f === a.node)).toBe(true);
      expect(atA.frames.map((r) => r.from).every((f) => f === b.node)).toBe(true);
      expect(atB.frames.map((r) => r.frame)).toEqual(expectedAtB);
      expect(atA.frames.map((r) => r.frame)).toEqual(expectedAtA);
    });

    it('delivers an empty frame and a 1 MiB frame intact', async () => {
      const [a, b] = await pair();
      const atB = new FrameCollector(b);
      const big = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 31 + 7) & 0xff);
      await a.send(b.node, new Uint8Array(0));
      await a.send(b.node, big);
      await a.send(b.node, new Uint8Array([42]));
      await atB.waitFor(3);
      expect(atB.frames[0]?.frame.length).toBe(0);
      const got = atB.frames[1]?.frame;
      expect(got?.length).toBe(big.length);
      let firstDiff = -1;
      for (let i = 0; got !== undefined && i < big.length; i++) {
        if (got[i] !== big[i]) {
          firstDiff = i;
          break;
        }
      }
      expect(firstDiff, 'first differing byte of the 1 MiB frame').toBe(-1);
      expect(atB.frames[2]?.frame).toEqual(new Uint8Array([42]));
    });

    it('is not affected by the sender reusing its buffer after send resolves', async () => {
      const [a, b] = await pair();
      const atB = new FrameCollector(b);
      const buf = new Uint8Array([1, 2, 3, 4]);
      await a.send(b.node, buf);
      buf.fill(0);
      await a.send(b.node, buf.subarray(1, 3));
      await atB.waitFor(2);
      expect(atB.frames.map((r) => r.frame)).toEqual([new Uint8Array([1, 2, 3, 4]), new Uint8Array([0, 0])]);
    });

    it('stops delivering to a handler once it is unregistered', async () => {
      const [a, b] = await pair();
      const first = new FrameCollector(b);
      await a.send(b.node, new Uint8Array([1]));
      await first.waitFor(1);
      first.unregister();
      await a.send(b.node, new Uint8Array([2])); // no handler: buffered or dropped, never to `first`
      const second = new FrameCollector(b);
      await a.send(b.node, new Uint8Array([3]));
      // Per-peer order: once frame 3 arrived, frame 2 was handled (or dropped) already.
      while (!second.frames.some((r) => r.frame[0] === 3)) await second.waitFor(second.frames.length + 1);
      expect(first.frames.map((r) => r.frame[0])).toEqual([1]);
      expect([[3], [2, 3]]).toContainEqual(second.frames.map((r) => r.frame[0]));
    });

    it('rejects a send to an unknown peer with TRANSPORT_FAILED', async () => {
      const [a] = await pair();
      await expectTransportFailed('send to an unknown peer', () => a.send('no-such-node-3f9c', new Uint8Array([1])));
    });

    it('rejects sends after close with TRANSPORT_FAILED, and close is idempotent', async () => {
      const [a, b] = await pair();
      const atB = new FrameCollector(b);
      await a.send(b.node, new Uint8Array([1]));
      await atB.waitFor(1);
      await a.close();
      await a.close();
      await expectTransportFailed('send after close', () => a.send(b.node, new Uint8Array([2])));
      await Promise.all([a.close(), a.close()]);
      await b.close();
      await expectTransportFailed('send after close (b)', () => b.send(a.node, new Uint8Array([3])));
      expect(atB.frames.map((r) => r.frame[0])).toEqual([1]);
    });
  });
}

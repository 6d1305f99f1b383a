import { createActorHost as host } from '@shn/core-mailbox';
import { describe, expect, it } from 'vitest';
import { transportSuite } from '@shn/core/testing';
import type { Transport } from '@shn/core';
import { Simulation } from './simulation.js';

/**
 * The conformance suite awaits frames without driving the simulation, so a pump runs the
 * simulation's events from the real event loop (setImmediate, no timers) until both ends close.
 */
transportSuite('SimTransport', {
  createPair() {
    const sim = new Simulation({ host, seed: 9 });
    const a = sim.addNode('node-a').transport();
    const b = sim.addNode('node-b').transport();
    let open = 2;
    const wrap = (t: Transport): Transport => {
      let closed = false;
      const close = t.close.bind(t);
      (t as { close: () => Promise<void> }).close = async () => {
        if (!closed) {
          closed = true;
          open--;
        }
        await close();
      };
      return t;
    };
    const pump = (): void => {
      while (sim.step()) {
        /* run everything queued */
      }
      if (open > 0) setImmediate(pump);
    };
    setImmediate(pump);
    return [wrap(a), wrap(b)];
  },
});

describe('SimTransport under faults', () => {
  it('frames suffer the link faults: a partition drops them, a crash closes the transport', async () => {
    const sim = new Simulation({ host, seed: 2 });
    const a = sim.addNode('a');
    const tb = sim.addNode('b').transport();
    const got: number[] = [];
    tb.onFrame((_from, f) => got.push(f[0]!));
    const ta = a.transport();
    await ta.send('b', new Uint8Array([1]));
    sim.network.partition(['a'], ['b']);
    await ta.send('b', new Uint8Array([2]));
    await sim.run();
    expect(got).toEqual([]);
    sim.network.heal();
    await ta.send('b', new Uint8Array([3]));
    await sim.run();
    expect(got).toEqual([3]);
    a.crash();
    await expect(ta.send('b', new Uint8Array([4]))).rejects.toMatchObject({ code: 'TRANSPORT_FAILED' });
  });
});

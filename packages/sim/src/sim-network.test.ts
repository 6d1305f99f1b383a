import { createActorHost as host } from '@shn/core-mailbox';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hasCode } from '@shn/core';
import type { ActorBehavior } from '@shn/core';
import { Simulation } from './simulation.js';

/** A simulation with `names` nodes whose transports count the frames each receives from each peer. */
function mesh(names: string[], seed = 1, network = {}) {
  const sim = new Simulation({ host, seed, network });
  const got = new Map<string, number[]>();
  const transports = new Map(
    names.map((n) => {
      const t = sim.addNode(n).transport();
      t.onFrame((from, frame) => {
        const k = `${from}->${n}`;
        got.set(k, [...(got.get(k) ?? []), frame[0]! + 256 * frame[1]!]);
      });
      return [n, t] as const;
    }),
  );
  const sendAll = async (count = 1) => {
    for (let i = 0; i < count; i++) {
      for (const a of names) for (const b of names) if (a !== b) await transports.get(a)!.send(b, new Uint8Array([i & 255, i >> 8]));
    }
  };
  return { sim, got, sendAll, transports };
}

const links = (got: Map<string, number[]>) => [...got.keys()].sort();

describe('SimNetwork faults', () => {
  it('a symmetric partition blocks exactly the links between the groups, and heal restores them', async () => {
    const { sim, got, sendAll } = mesh(['a', 'b', 'c', 'd']);
    sim.network.partition(['a', 'b'], ['c', 'd']);
    await sendAll();
    await sim.run();
    expect(links(got)).toEqual(['a->b', 'b->a', 'c->d', 'd->c']);
    got.clear();
    sim.network.heal();
    await sendAll();
    await sim.run();
    expect(links(got)).toHaveLength(12);
  });

  it('a one-way partition blocks only one direction', async () => {
    const { sim, got, sendAll } = mesh(['a', 'b', 'c']);
    sim.network.partition(['a'], ['b', 'c'], { oneWay: true });
    await sendAll();
    await sim.run();
    expect(links(got)).toEqual(['b->a', 'b->c', 'c->a', 'c->b']);
  });

  it('isolate cuts one node off both ways; bridge leaves the bridge node connected to both halves', async () => {
    const iso = mesh(['a', 'b', 'c']);
    iso.sim.network.isolate('a');
    await iso.sendAll();
    await iso.sim.run();
    expect(links(iso.got)).toEqual(['b->c', 'c->b']);
    const br = mesh(['a', 'b', 'm', 'c', 'd']);
    br.sim.network.bridge(['a', 'b'], ['c', 'd'], 'm');
    await br.sendAll();
    await br.sim.run();
    const reached = links(br.got);
    for (const x of ['a', 'b']) for (const y of ['c', 'd']) {
      expect(reached).not.toContain(`${x}->${y}`);
      expect(reached).not.toContain(`${y}->${x}`);
    }
    for (const x of ['a', 'b', 'c', 'd']) {
      expect(reached).toContain(`${x}->m`);
      expect(reached).toContain(`m->${x}`);
    }
  });

  it('a partition also drops messages already in flight', async () => {
    const { sim, got, transports } = mesh(['a', 'b'], 1, { latency: { kind: 'fixed', ms: 10 } });
    await transports.get('a')!.send('b', new Uint8Array([1, 0]));
    sim.at(5, 'cut', () => sim.network.partition(['a'], ['b']));
    await sim.run();
    expect(got.size).toBe(0);
    expect(sim.log.lines.some((l) => l.includes('partitioned in flight'))).toBe(true);
  });

  it('loss and duplication rates match the configuration over many messages (fixed seeds)', async () => {
    for (const [loss, duplicate] of [
      [0.1, 0.2],
      [0.3, 0.05],
    ] as const) {
      const { sim, got, sendAll } = mesh(['a', 'b'], 42, { loss, duplicate });
      await sendAll(5000);
      await sim.run();
      const n = got.get('a->b')!.length + got.get('b->a')!.length;
      // Expected deliveries per sent message: (1 - loss) * (1 + duplicate).
      const expected = 10_000 * (1 - loss) * (1 + duplicate);
      expect(Math.abs(n - expected) / expected).toBeLessThan(0.03);
      expect(Math.abs(sim.network.stats.duplicated / (10_000 * (1 - loss)) - duplicate)).toBeLessThan(0.015);
    }
  });

  it('links are FIFO by default and reorder when asked', async () => {
    const fifo = mesh(['a', 'b'], 3, { latency: { kind: 'uniform', minMs: 1, maxMs: 50 } });
    await fifo.sendAll(500);
    await fifo.sim.run();
    expect(fifo.got.get('a->b')).toEqual(Array.from({ length: 500 }, (_, i) => i));
    const shuffled = mesh(['a', 'b'], 3, { latency: { kind: 'uniform', minMs: 1, maxMs: 50 }, reorder: 0.2 });
    await shuffled.sendAll(500);
    await shuffled.sim.run();
    const seq = shuffled.got.get('a->b')!;
    expect([...seq].sort((x, y) => x - y)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(seq).not.toEqual([...seq].sort((x, y) => x - y));
    expect(shuffled.sim.network.stats.reordered).toBeGreaterThan(50);
  });

  it('a clog holds messages until it ends, without losing them', async () => {
    const { sim, got, transports } = mesh(['a', 'b'], 1, { latency: { kind: 'fixed', ms: 1 } });
    sim.network.clog('a', 'b', 100);
    for (let i = 0; i < 5; i++) await transports.get('a')!.send('b', new Uint8Array([i, 0]));
    await sim.run({ untilTimeMs: 99 });
    expect(got.size).toBe(0);
    await sim.run();
    expect(got.get('a->b')).toEqual([0, 1, 2, 3, 4]);
    expect(sim.now).toBe(100);
  });

  it('property: with loss 0 and no partition every message arrives exactly once per copy, in order per link', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer(), fc.integer({ min: 1, max: 40 }), async (seed, count) => {
        const { sim, got, sendAll } = mesh(['a', 'b', 'c'], seed);
        await sendAll(count);
        await sim.run();
        for (const seq of got.values()) expect(seq).toEqual(Array.from({ length: count }, (_, i) => i));
        expect(got.size).toBe(6);
      }),
      { numRuns: 30 },
    );
  });

  it('rejects bad configurations and unknown nodes with INVALID_ARGUMENT', () => {
    const sim = new Simulation({ host, seed: 1 });
    sim.addNode('a');
    const bad: Array<() => void> = [
      () => sim.network.configure({ loss: 1.5 }),
      () => sim.network.configure({ duplicate: -0.1 }),
      () => sim.network.configure({ latency: { kind: 'uniform', minMs: 5, maxMs: 1 } }),
      () => sim.network.configure({ bogus: 1 } as never),
      () => sim.network.partition(['a'], ['nope']),
      () => sim.network.partition(['a'], ['a']),
      () => sim.network.clog('a', 'a', -1),
      () => new Simulation({ host, seed: 1.5 }),
      () => sim.addNode('a'),
      () => sim.addNode('bad name'),
    ];
    for (const f of bad) expect(() => f()).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('nodes: crash, restart, pause, clock skew', () => {
  const echo = (): ActorBehavior => ({ receive: (env) => env.body });

  it('a crashed node drops messages and its asks time out; after restart it answers again', async () => {
    const sim = new Simulation({ host, seed: 5, network: { latency: { kind: 'fixed', ms: 1 } } });
    sim.addNode('s').host('echo', echo);
    const client = sim.addNode('c');
    sim.node('s').crash();
    const first = client.ref('echo', 'x', 's').ask('hi', 1, { timeoutMs: 50 }).catch((e: unknown) => e);
    await sim.run();
    expect(hasCode(await first, 'TIMEOUT')).toBe(true);
    expect(sim.now).toBe(50);
    sim.node('s').restart();
    const second = client.ref('echo', 'x', 's').ask('hi', 2, { timeoutMs: 50 });
    await sim.run();
    expect(await second).toBe(2);
  });

  it('a crash cancels the timers of the crashed incarnation', async () => {
    const sim = new Simulation({ host, seed: 1 });
    const node = sim.addNode('n');
    let fired = 0;
    node.timer.setTimeout(() => fired++, 10);
    node.crash();
    node.restart();
    node.timer.setTimeout(() => fired++, 20);
    await sim.run();
    expect(fired).toBe(1);
    expect(sim.now).toBe(20);
  });

  it('a pause defers deliveries and timers, in order, to the end of the pause', async () => {
    const sim = new Simulation({ host, seed: 1, network: { latency: { kind: 'fixed', ms: 1 } } });
    const seen: Array<[string, number]> = [];
    sim.addNode('s').host('rec', () => ({ receive: (env) => void seen.push([env.type, sim.now]) }));
    const c = sim.addNode('c');
    sim.node('s').timer.setTimeout(() => seen.push(['timer', sim.now]), 5);
    sim.node('s').pause(30);
    c.ref('rec', 'x', 's').tell('a');
    c.ref('rec', 'x', 's').tell('b');
    await sim.run();
    expect(seen).toEqual([
      ['a', 30],
      ['b', 30],
      ['timer', 30],
    ]);
  });

  it('clock skew and drift change what a node reads, and drift changes how long its timers take', async () => {
    const sim = new Simulation({ host, seed: 1, startEpochMs: 1000 });
    const fast = sim.addNode('fast', { skewMs: 500, driftRate: 0.25 });
    const normal = sim.addNode('normal');
    let firedAt = -1;
    fast.timer.setTimeout(() => (firedAt = sim.now), 100);
    await sim.run();
    expect(firedAt).toBe(80);
    expect(fast.clock.now()).toBe(1000 + 80 * 1.25 + 500);
    expect(normal.clock.now()).toBe(1080);
    fast.setSkew(-200);
    expect(fast.clock.now()).toBe(1000 + 100 - 200);
  });

  it('an actor that throws is rebuilt from its factory and the ask rejects with ACTOR_FAILED', async () => {
    const sim = new Simulation({ host, seed: 1 });
    let built = 0;
    sim.addNode('s').host('flaky', () => {
      built++;
      let n = 0;
      return {
        receive: (env) => {
          if (env.type === 'boom') throw new Error('boom');
          return ++n;
        },
      };
    });
    const c = sim.addNode('c');
    const ref = c.ref('flaky', 'x', 's');
    const a = ref.ask('inc');
    const b = ref.ask('inc');
    const boom = ref.ask('boom').catch((e: unknown) => e);
    const after = ref.ask('inc');
    await sim.run();
    expect([await a, await b, await after]).toEqual([1, 2, 1]);
    expect(hasCode(await boom, 'ACTOR_FAILED')).toBe(true);
    expect(built).toBe(2);
  });
});

import { createActorHost as host } from '@shn/core-mailbox';
import { describe, expect, it } from 'vitest';
import { buggify, FAULT_POINTS, noFaultPoints } from './fault-points.js';
import { Simulation } from './simulation.js';
import type { SimActorContext } from './sim-node.js';

describe('buggify', () => {
  it('is always off outside simulation: plain objects, undefined, noFaultPoints, a context without the brand', () => {
    const realCtx = { self: { node: 'local', shard: 0, actor: 'a/b' }, clock: {}, rng: {} };
    for (const source of [undefined, null, {}, realCtx, noFaultPoints, 42, 'x']) {
      for (let i = 0; i < 200; i++) expect(buggify(source, 'p', 1)).toBe(false);
    }
  });

  it('under simulation, a point is active for the whole run or not at all, fires at its rate, and is seeded', async () => {
    const fired = (seed: number) => {
      const sim = new Simulation({ host, seed, buggify: { activation: 0.5, probability: 0.3 } });
      return Array.from({ length: 2000 }, () => buggify(sim, 'p'));
    };
    const runs = Array.from({ length: 40 }, (_, seed) => fired(seed));
    const active = runs.filter((r) => r.some(Boolean));
    expect(active.length).toBeGreaterThan(8);
    expect(active.length).toBeLessThan(32);
    for (const r of active) {
      const rate = r.filter(Boolean).length / r.length;
      expect(rate).toBeGreaterThan(0.25);
      expect(rate).toBeLessThan(0.35);
    }
    expect(fired(3)).toEqual(fired(3));
  });

  it('reaches actors through their context, is logged when it fires, and can be disabled per run', async () => {
    for (const enabled of [true, false]) {
      const sim = new Simulation({ host, seed: 1, buggify: { enabled, activation: 1, probability: 1 } });
      let answer: boolean | undefined;
      sim.addNode('n').host('a', () => ({ receive: (_env, ctx) => void (answer = buggify(ctx, 'slow-path')) }), { spawn: [] });
      sim.node('n').ref('a', 'x').tell('go');
      await sim.run();
      expect(answer).toBe(enabled);
      expect(sim.log.lines.some((l) => l.endsWith('buggify slow-path'))).toBe(enabled);
    }
  });

  it('code that cannot import @shn/sim reaches the same fault points through Symbol.for', async () => {
    const sim = new Simulation({ host, seed: 1, buggify: { activation: 1, probability: 1 } });
    let ctxSeen: SimActorContext | undefined;
    sim.addNode('n').host('a', () => ({ receive: (_e, ctx) => void (ctxSeen = ctx as SimActorContext) }));
    sim.node('n').ref('a', 'x').tell('go');
    await sim.run();
    const viaSymbol = (ctxSeen as unknown as Record<symbol, { buggify(n: string): boolean }>)[Symbol.for('@shn/sim/fault-points')];
    expect(Symbol.for('@shn/sim/fault-points')).toBe(FAULT_POINTS);
    expect(viaSymbol?.buggify('x')).toBe(true);
  });

  it('rejects an empty name or a bad probability with INVALID_ARGUMENT, even outside simulation', () => {
    expect(() => buggify(undefined, '')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => buggify(undefined, 'x', 2)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new Simulation({ host, seed: 1, buggify: { activation: -1 } })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

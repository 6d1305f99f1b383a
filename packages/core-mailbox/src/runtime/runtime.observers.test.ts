import { describe, expect, it } from 'vitest';
import { createRuntime } from './runtime.js';

// Shard threads run plain Node, so they load the built fixture (turbo builds before testing).
const system = new URL('../../dist/runtime/fixtures/observer-system.js', import.meta.url);

interface Observed {
  readonly sendCalls: Map<string, number>;
  readonly sent: Map<string, number>;
  intercepts: number;
}

async function mainThreadObserved(): Promise<Observed> {
  const mod = (await import(system.href)) as { observed: Observed };
  return mod.observed;
}

function reset(o: Observed): void {
  o.sendCalls.clear();
  o.sent.clear();
  o.intercepts = 0;
}

describe('send observers and intercepts across real shard threads', () => {
  it('every tell is observed once; only the tells a middleware intercepts reach its send, and they carry its header', async () => {
    const rt = await createRuntime({ system, shards: 2 });
    try {
      const o = await mainThreadObserved();
      reset(o);
      const n = 25;
      for (let i = 0; i < n; i++) {
        expect(rt.tell('traced', `t${i}`, 'set', i)).toBe('accepted');
        expect(rt.tell('plain', `p${i}`, 'set', i)).toBe('accepted');
      }
      expect(o.intercepts).toBe(2 * n);
      expect(o.sendCalls.get('traced')).toBe(n);
      expect(o.sendCalls.get('plain')).toBeUndefined();
      expect(o.sent.get('traced:accepted')).toBe(n);
      expect(o.sent.get('plain:accepted')).toBe(n);
      // What arrived: stamped for the intercepted kind only, nothing lost on either path.
      const stamps = async (kind: string) => (await Promise.all([0, 1].map((s) => rt.refOnShard(s, kind, 'x').ask<string[]>('get')))).flat();
      const traced = await stamps('traced');
      const plain = await stamps('plain');
      expect(traced).toHaveLength(n);
      expect(traced.every((s) => s === 'yes')).toBe(true);
      expect(plain).toHaveLength(n);
      expect(plain.every((s) => s === 'none')).toBe(true);
      // Asks run the ask chain, never send or sent.
      expect(o.sent.size).toBe(2);
    } finally {
      await rt.close();
    }
  });

  it('a thread whose middleware only observe tells counts every one, through the envelope-free path', async () => {
    const rt = await createRuntime({ system, shards: 2, params: { stamp: false } });
    try {
      const o = await mainThreadObserved();
      reset(o);
      for (let i = 0; i < 40; i++) expect(rt.tell('plain', `p${i}`, 'set', i)).toBe('accepted');
      const ref = rt.refOnShard(1, 'traced', 'x');
      for (let i = 0; i < 3; i++) expect(ref.tell('set', i)).toBe('accepted');
      expect(o.sent.get('plain:accepted')).toBe(40);
      expect(o.sent.get('traced:accepted')).toBe(3);
      expect(o.intercepts).toBe(0);
      expect(o.sendCalls.size).toBe(0);
      const got = (await Promise.all([0, 1].map((s) => rt.refOnShard(s, 'plain', 'x').ask<string[]>('get')))).flat();
      expect(got).toHaveLength(40);
    } finally {
      await rt.close();
    }
  });
});

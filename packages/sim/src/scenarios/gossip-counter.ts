import type { ActorBehavior, Envelope, Rng } from '@shn/core';
import { buggify } from '../fault-points.js';
import { defineScenario } from '../scenario.js';
import type { SimActorContext } from '../sim-node.js';
import type { Simulation } from '../simulation.js';

const REPLICAS = ['n1', 'n2', 'n3'] as const;
const GOSSIP_MS = 20;

/** State of one replica of the counter: the highest count seen from each origin. */
interface CounterReplica extends ActorBehavior {
  readonly counts: Map<string, number>;
  total(): number;
}

/**
 * A grow-only counter (G-Counter) replicated on three nodes: clients tell increments (with a
 * unique id, deduplicated) to any replica; replicas gossip their counts every 20 ms and merge
 * by max. A replica keeps its own count on its disk (synced), so a crash loses nothing it
 * acknowledged.
 */
function counterReplica(): CounterReplica {
  const counts = new Map<string, number>();
  const seen = new Set<string>();
  let ctxRef: SimActorContext | undefined;
  const gossip = (): void => {
    const ctx = ctxRef!;
    const snapshot = Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : 1)));
    for (const peer of REPLICAS) if (peer !== ctx.node) ctx.tell(ctx.refAt(peer, 'counter', 'c'), 'merge', snapshot);
    ctx.timer.setTimeout(gossip, buggify(ctx, 'counter.slow-gossip') ? GOSSIP_MS * 5 : GOSSIP_MS);
  };
  return {
    counts,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
    async start(context) {
      const ctx = context as SimActorContext;
      ctxRef = ctx;
      const own = await ctx.store.get('own');
      if (own !== undefined) counts.set(ctx.node, Number(new TextDecoder().decode(own)));
      ctx.timer.setTimeout(gossip, GOSSIP_MS);
    },
    async receive(env: Envelope, context) {
      const ctx = context as SimActorContext;
      if (env.type === 'incr') {
        const id = env.body as string;
        if (seen.has(id)) return 'dup';
        seen.add(id);
        counts.set(ctx.node, (counts.get(ctx.node) ?? 0) + 1);
        await ctx.store.put('own', new TextEncoder().encode(String(counts.get(ctx.node))));
        await ctx.store.sync();
        return 'ok';
      }
      if (env.type === 'merge') {
        for (const [origin, n] of Object.entries(env.body as Record<string, number>)) {
          if (n > (counts.get(origin) ?? 0)) counts.set(origin, n);
        }
        return undefined;
      }
      if (env.type === 'get') return [...counts.values()].reduce((a, b) => a + b, 0);
      throw new Error(`unknown message ${env.type}`);
    },
  };
}

interface CounterContext {
  sent: number;
}

function replicas(sim: Simulation): CounterReplica[] {
  return REPLICAS.flatMap((n) => {
    const r = sim.node(n).actor<CounterReplica>('counter', 'c');
    return r === undefined ? [] : [r];
  });
}

/**
 * `counter`: three replicas of a gossiped grow-only counter under loss, duplication,
 * reordering, a partition, a crash and a pause. Invariant: no replica ever counts more
 * increments than clients sent. Check: after the faults heal, all replicas converge.
 */
export const gossipCounterScenario = defineScenario<CounterContext>({
  name: 'counter',
  description: 'gossiped G-Counter on 3 nodes; never over-counts, converges after faults heal',
  nodes: [...REPLICAS, 'client'],
  network: { loss: 0.05, duplicate: 0.05, reorder: 0.05, latency: { kind: 'uniform', minMs: 1, maxMs: 8 } },
  settleMs: 300,
  maxTimeMs: 10_000,
  setup(sim) {
    for (const n of REPLICAS) sim.node(n).host('counter', counterReplica, { spawn: ['c'] });
    return { sent: 0 };
  },
  faults(sim, rng: Rng) {
    const t = 20 + rng.int(60);
    sim.at(t, 'partition', () => sim.network.partition(['n1'], ['n2', 'n3']));
    sim.at(t + 40 + rng.int(40), 'heal', () => sim.network.heal());
    const victim = REPLICAS[rng.int(REPLICAS.length)]!;
    const c = 30 + rng.int(100);
    sim.at(c, `crash ${victim}`, () => sim.node(victim).crash());
    sim.at(c + 10 + rng.int(50), `restart ${victim}`, () => sim.node(victim).restart());
    const paused = REPLICAS[rng.int(REPLICAS.length)]!;
    sim.at(rng.int(150), `pause ${paused}`, () => sim.node(paused).pause(5 + rng.int(30)));
  },
  async workload(sim, rng, ctx) {
    const client = sim.node('client');
    for (let i = 0; i < 12; i++) {
      const target = REPLICAS[rng.int(REPLICAS.length)]!;
      ctx.sent++;
      client.ref('counter', 'c', target).tell('incr', `op-${i}`);
      await new Promise<void>((resolve) => client.timer.setTimeout(resolve, 1 + rng.int(15)));
    }
  },
  invariants: [
    {
      name: 'never over-counts',
      check(sim, ctx) {
        for (const r of replicas(sim)) if (r.total() > ctx.sent) return `a replica counts ${r.total()} > ${ctx.sent} sent`;
        return true;
      },
    },
  ],
  check(sim) {
    const totals = REPLICAS.map((n) => sim.node(n).actor<CounterReplica>('counter', 'c')?.total());
    return totals.every((t) => t === totals[0]) ? true : `replicas did not converge: ${totals.join(', ')}`;
  },
});

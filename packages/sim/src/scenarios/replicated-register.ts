import { hasCode } from '@shn/core';
import type { ActorBehavior, Envelope, Rng } from '@shn/core';
import { checkOperations, registerModel } from '../linearizability/index.js';
import type { RegisterInput } from '../linearizability/index.js';
import { buggify } from '../fault-points.js';
import { defineScenario } from '../scenario.js';
import type { Scenario } from '../scenario.js';
import type { SimActorContext } from '../sim-node.js';

const REPLICAS = ['n1', 'n2', 'n3'] as const;
// Named after their clientId in the history, so the checker's timeline and the event log agree.
const CLIENTS = ['c0', 'c1', 'c2'] as const;
const LEADER = 'n1';

interface WriteBody {
  readonly client: number;
  readonly seq: number;
  readonly value: string;
}

interface ReplicaState {
  value: string | undefined;
  version: number;
  lastSeq: Record<string, number>;
}

const encode = (s: ReplicaState): Uint8Array => new TextEncoder().encode(JSON.stringify(s));
const decode = (b: Uint8Array): ReplicaState => JSON.parse(new TextDecoder().decode(b)) as ReplicaState;

/**
 * One copy of the register. On the leader, `write` dedups by (client, seq), persists and
 * fsyncs, then replicates to the followers with fire-and-forget `apply` messages and acks.
 * Followers apply newer versions. Every copy answers `read` with what it has, which is only
 * correct on the leader.
 */
function registerReplica(): ActorBehavior {
  let state: ReplicaState = { value: undefined, version: 0, lastSeq: {} };
  return {
    async start(context) {
      const ctx = context as SimActorContext;
      const saved = await ctx.store.get('register');
      if (saved !== undefined) state = decode(saved);
    },
    async receive(env: Envelope, context) {
      const ctx = context as SimActorContext;
      switch (env.type) {
        case 'read':
          return state.value;
        case 'write': {
          const w = env.body as WriteBody;
          if (w.seq <= (state.lastSeq[w.client] ?? -1)) return 'dup';
          const next: ReplicaState = { value: w.value, version: state.version + 1, lastSeq: { ...state.lastSeq, [w.client]: w.seq } };
          await ctx.store.put('register', encode(next));
          if (buggify(ctx, 'register.slow-fsync')) await new Promise<void>((r) => ctx.timer.setTimeout(r, 30));
          await ctx.store.sync();
          state = next;
          for (const f of REPLICAS) if (f !== ctx.node) ctx.tell(ctx.refAt(f, 'register', 'x'), 'apply', { value: state.value, version: state.version });
          return 'ok';
        }
        case 'apply': {
          const a = env.body as { value: string; version: number };
          if (a.version > state.version) state = { ...state, value: a.value, version: a.version };
          return undefined;
        }
        default:
          throw new Error(`unknown message ${env.type}`);
      }
    },
  };
}

/** Options of {@link replicatedRegisterScenario}. */
export interface ReplicatedRegisterOptions {
  /** Scenario name. */
  readonly name: string;
  /** Where clients read: `leader` (correct) or `any` replica (the stale-read bug). */
  readonly reads: 'leader' | 'any';
  /** Operations per client (default 8). */
  readonly opsPerClient?: number;
}

/**
 * A toy replicated register on three nodes with three clients under loss, duplication,
 * reordering, partitions, a leader crash and pauses; the final check runs the
 * linearizability checker on the client history. With `reads: 'leader'` it is correct; with
 * `reads: 'any'` reads may hit a follower that has not applied the latest write, and the
 * checker catches it.
 */
export function replicatedRegisterScenario(options: ReplicatedRegisterOptions): Scenario<undefined> {
  const ops = options.opsPerClient ?? 8;
  return defineScenario({
    name: options.name,
    description:
      options.reads === 'leader'
        ? 'replicated register, reads at the leader: linearizable under faults'
        : 'replicated register with a BUG: reads served by any replica (stale reads); expected to fail',
    nodes: [...REPLICAS, ...CLIENTS],
    network: { loss: 0.03, duplicate: 0.05, reorder: 0.05, latency: { kind: 'uniform', minMs: 1, maxMs: 10 } },
    maxTimeMs: 20_000,
    setup(sim) {
      for (const n of REPLICAS) sim.node(n).host('register', registerReplica, { spawn: ['x'] });
      return undefined;
    },
    faults(sim, rng: Rng) {
      const t = 10 + rng.int(80);
      const cut = CLIENTS[rng.int(CLIENTS.length)]!;
      sim.at(t, 'partition', () => sim.network.partition([cut], [LEADER]));
      sim.at(t + 20 + rng.int(60), 'heal', () => sim.network.heal());
      const c = 40 + rng.int(120);
      sim.at(c, 'crash leader', () => sim.node(LEADER).crash());
      sim.at(c + 5 + rng.int(40), 'restart leader', () => sim.node(LEADER).restart());
      const p = REPLICAS[rng.int(REPLICAS.length)]!;
      sim.at(rng.int(200), `pause ${p}`, () => sim.node(p).pause(rng.int(40)));
    },
    async workload(sim, rng) {
      await Promise.all(
        CLIENTS.map(async (name, clientId) => {
          const client = sim.node(name);
          for (let seq = 0; seq < ops; seq++) {
            const write = rng.next() < 0.5;
            const input: RegisterInput = write ? { op: 'write', value: `${name}-${seq}` } : { op: 'read' };
            const target = write || options.reads === 'leader' ? LEADER : REPLICAS[rng.int(REPLICAS.length)]!;
            const id = sim.history.invoke(clientId, input);
            try {
              const reply = write
                ? await client.ref('register', 'x', target).ask('write', { client: clientId, seq, value: `${name}-${seq}` } satisfies WriteBody, { timeoutMs: 60 })
                : await client.ref('register', 'x', target).ask('read', undefined, { timeoutMs: 60 });
              sim.history.ok(id, write ? undefined : reply);
            } catch (e) {
              if (!hasCode(e, 'TIMEOUT') && !hasCode(e, 'ACTOR_FAILED') && !hasCode(e, 'ACTOR_NOT_FOUND')) throw e;
              sim.history.unknown(id);
            }
            await new Promise<void>((r) => client.timer.setTimeout(r, rng.int(10)));
          }
        }),
      );
    },
    check(sim) {
      const history = sim.history.operations<RegisterInput, unknown>((input) => input.op === 'write');
      const result = checkOperations(registerModel, history, { timeoutMs: 10_000 });
      if (result.outcome === 'illegal') return result.explanation.startsWith('not linearizable') ? result.explanation : `not linearizable: ${result.explanation}`;
      return true;
    },
  });
}

/**
 * The scenario of the raft simulation tests (raft-sim-*.test.ts): raft under @shn/sim with the
 * production actor host, virtual time, the simulated network (loss, duplication, reordering,
 * partitions), SimStore disks that lose un-fsynced writes (and keep a
 * random prefix of them, with torn writes), crashes and restarts, pauses and membership churn.
 * Election safety, state-machine safety and leader completeness are checked after every step;
 * every client history must be linearizable; after healing the cluster must commit again.
 */
import { createActorHost } from '@shn/core-mailbox';
import { checkDeterminism, checkOperations, createKvModel, defineScenario, runScenario } from '@shn/sim';
import type { Scenario } from '@shn/sim';
import { it } from 'vitest';
import { raftActor } from './raft-actor.test-helper.js';
import type { KvOp, Observed, RaftActor } from './raft-actor.test-helper.js';
import { logMatchingViolation } from '../log-matching.test-helper.js';

/** Seeds per cluster size (RAFT_SIM_SEEDS overrides). */
export const SEEDS = Number(process.env['RAFT_SIM_SEEDS'] ?? 500);
/** Every fault has ended (restarted, healed) by then, ms of virtual time. */
const FAULTS_END_MS = 3000;
/** After that, a write must commit within this long (election timeouts are 100–200 ms). */
const LIVENESS_BOUND_MS = 2000;

interface Ctx {
  /** The last write after every fault healed committed (liveness). */
  live: boolean;
  readonly observed: Observed;
  readonly waiting: Map<number, (r: { ok: boolean; value?: string; refused?: boolean }) => void>;
  /** Requests refused before they were proposed: they certainly did not happen. */
  readonly refused: Set<number>;
  readonly voters: string[];
}

/** The scenario of `size` voters and three clients, with membership churn if `churn`. */
export function scenario(size: number, churn: boolean): Scenario<Ctx> {
  const voters = Array.from({ length: size }, (_, i) => `n${i + 1}`);
  const clients = ['c1', 'c2', 'c3'];
  return defineScenario<Ctx>({
    name: `raft-${size}${churn ? '-churn' : ''}`,
    nodes: [...voters, ...clients],
    network: { loss: 0.03, duplicate: 0.03, reorder: 0.1, latency: { kind: 'uniform', minMs: 1, maxMs: 6 } },
    maxTimeMs: 60_000,
    setup(sim) {
      const observed: Observed = { applied: new Map(), appliedInTerm: new Map(), leaders: new Map(), violation: undefined };
      const waiting = new Map<number, (r: { ok: boolean; value?: string; refused?: boolean }) => void>();
      for (const n of voters) {
        sim.node(n).host('raft', { factory: raftActor({ voters, observed }), mailboxCapacity: 4096 }, { spawn: ['r'] });
      }
      for (const c of clients) {
        sim.node(c).host('client', () => ({
          receive(env) {
            const b = env.body as { req: number; ok: boolean; value?: string; refused?: boolean };
            waiting.get(b.req)?.(b);
            waiting.delete(b.req);
          },
        }));
      }
      return { live: false, observed, waiting, voters, refused: new Set<number>() };
    },
    faults(sim, rng) {
      // every fault is over by FAULTS_END_MS (crashed nodes restarted, partitions healed)
      for (let k = 0; k < 3; k++) {
        const t = 100 + rng.int(1500);
        const victim = voters[rng.int(voters.length)] as string;
        const kind = rng.int(3);
        if (kind === 0) {
          sim.at(t, `crash ${victim}`, () => sim.node(victim).crash());
          sim.at(t + 20 + rng.int(300), `restart ${victim}`, () => sim.node(victim).restart());
        } else if (kind === 1) {
          sim.at(t, `isolate ${victim}`, () => sim.network.isolate(victim));
          sim.at(t + 50 + rng.int(400), 'heal', () => sim.network.heal());
        } else {
          sim.at(t, `pause ${victim}`, () => sim.node(victim).pause(20 + rng.int(200)));
        }
      }
      if (churn) {
        // remove a voter, then add it back as a learner and promote it
        const v = voters[rng.int(voters.length)] as string;
        const t = 300 + rng.int(800);
        const toAll = (body: unknown) => () => {
          for (const n of voters) {
            try {
              sim.node('c1').ref('raft', 'r', n).tell('conf', body);
            } catch {
              // node down
            }
          }
        };
        sim.at(t, `remove ${v}`, toAll({ changes: [{ type: 'remove', node: v }] }));
        sim.at(t + 400, `re-add ${v} as learner`, toAll({ changes: [{ type: 'add-learner', node: v }] }));
        sim.at(t + 800, `promote ${v}`, toAll({ changes: [{ type: 'add-voter', node: v }] }));
      }
    },
    async workload(sim, rng, ctx) {
      let req = 0;
      await Promise.all(
        clients.map(async (name, clientIdx) => {
          const client = sim.node(name);
          let cid = clientIdx;
          let target = voters[rng.int(voters.length)] as string;
          for (let n = 0; n < 25; n++) {
            const key = `k${rng.int(3)}`;
            const r = rng.next();
            const my = ++req;
            const op = (r < 0.4 ? { op: 'get', key, req: my } : r < 0.7 ? { op: 'put', key, value: `${name}.${my}`, req: my } : { op: 'append', key, value: `${name}.${my},`, req: my }) as KvOp & { req: number };
            const id = sim.history.invoke(cid, op);
            const res = await new Promise<{ ok: boolean; value?: string; refused?: boolean } | undefined>((resolve) => {
              ctx.waiting.set(my, resolve);
              client.timer.setTimeout(() => {
                ctx.waiting.delete(my);
                resolve(undefined);
              }, 150);
              client.ref('raft', 'r', target).tell('req', { req: my, op, replyNode: name });
            });
            if (res?.ok === true) sim.history.ok(id, op.op === 'get' ? res.value : undefined);
            else {
              // no answer, or leadership lost after proposing: the outcome is unknown. Refused before
              // proposing: it never ran, and the check leaves it out.
              if (res?.refused === true) ctx.refused.add(my);
              sim.history.unknown(id);
              cid += 100;
              target = voters[rng.int(voters.length)] as string;
            }
            await new Promise<void>((r2) => client.timer.setTimeout(r2, rng.int(20)));
          }
        }),
      );
      // Liveness: once every fault is over, a write must commit within a bounded time.
      const c1 = sim.node('c1');
      while (sim.clock.now() - sim.startEpochMs < FAULTS_END_MS) await new Promise<void>((r) => c1.timer.setTimeout(r, 50));
      const start = sim.clock.now();
      for (let attempt = 0; !ctx.live && sim.clock.now() - start < LIVENESS_BOUND_MS; attempt++) {
        const my = ++req;
        const target = voters[attempt % voters.length] as string;
        const res = await new Promise<{ ok: boolean } | undefined>((resolve) => {
          ctx.waiting.set(my, resolve);
          c1.timer.setTimeout(() => resolve(undefined), 100);
          c1.ref('raft', 'r', target).tell('req', { req: my, op: { op: 'put', key: 'live', value: String(my) }, replyNode: 'c1' });
        });
        ctx.waiting.delete(my);
        if (res?.ok === true) ctx.live = true;
      }
    },
    invariants: [
      { name: 'raft safety', check: (_sim, ctx) => ctx.observed.violation ?? true },
      {
        name: 'log matching',
        check: (sim, ctx) => {
          const logs = ctx.voters.flatMap((n) => {
            const raw = sim.node(n).actor<RaftActor>('raft', 'r')?.node;
            return raw === undefined ? [] : [{ id: n, log: raw.raft.log }];
          });
          return logMatchingViolation(logs) ?? true;
        },
      },
    ],
    check(sim, ctx) {
      if (ctx.observed.violation !== undefined) return ctx.observed.violation;
      const verdict = checkOperations(createKvModel({ missing: '' }), sim.history.operations<KvOp & { req: number }, unknown>((input) => input.op !== 'get' && !ctx.refused.has(input.req)), { timeoutMs: 20_000 });
      if (verdict.outcome === 'illegal') return `not linearizable: ${verdict.explanation}`;
      if (verdict.outcome === 'unknown') return `linearizability undecided: ${verdict.reason}`;
      if (!ctx.live) return `no write committed within ${LIVENESS_BOUND_MS} ms of virtual time after every fault healed`;
      return true;
    },
  });
}

/**
 * One test running seeds `from`..`to` (inclusive) of the scenario: the seeds of one size are split
 * over several files so that vitest's workers run them side by side. RAFT_SIM_ONLY=<seed> runs
 * only that seed (in the file whose range holds it) and prints its log lines matching
 * RAFT_SIM_GREP.
 */
export function seedRangeTest(size: number, churn: boolean, from: number, to: number): void {
  it(`${size} nodes${churn ? ' with membership churn' : ''}: seeds ${from}–${to} of ${SEEDS} are safe, linearizable and live`, async () => {
    const s = scenario(size, churn);
    const only = process.env['RAFT_SIM_ONLY'];
    if (only !== undefined) {
      const seed = Number(only);
      if (seed < from || seed > to) return;
      const r = await runScenario(s, seed, { host: createActorHost });
      const pat = new RegExp(process.env['RAFT_SIM_GREP'] ?? 'vote|crash|restart|FAIL');
      for (const line of r.sim.log.lines) if (pat.test(line)) console.log(line.slice(0, 300));
      return;
    }
    for (let seed = from; seed <= to; seed++) {
      const r = await runScenario(s, seed, { host: createActorHost });
      if (!r.ok) throw new Error(`seed ${seed}: ${r.failure?.kind}: ${r.failure?.message}`);
    }
  }, 900_000);
}

/** {@link checkDeterminism} of the scenario at `seed`. */
export function checkDeterminismOf(size: number, churn: boolean, seed: number): ReturnType<typeof checkDeterminism> {
  return checkDeterminism(scenario(size, churn), seed, { host: createActorHost });
}

// A small app written from the READMEs, as a new user would: it must type-check against the
// packed tarballs with TypeScript 6.0 and with the latest 7.x (tooling/consumer-fixture/run.mjs).
import { defineSystem, ShnError, systemClock } from '@shn/core';
import type { ActorBehavior, ActorHostFactory, ChaosTarget, Envelope, Middleware, RuntimeHandle, SystemDefinition } from '@shn/core';
import { createActorHost, createRuntime } from '@shn/core-mailbox';
import type { Runtime } from '@shn/core-mailbox';
import { gCounter, Replica } from '@shn/crdt';
import { defineScenario, gameday, runScenario, Simulation } from '@shn/sim';

// A system module with params (what every shard thread imports). The return type annotation is
// needed while defineSystem's definition overload comes first (literal fields such as `strategy`
// widen to string otherwise); see the report of issue 9.
export const system = defineSystem((params: { start: number }): SystemDefinition => ({
  kinds: {
    counter: {
      factory: (): ActorBehavior => {
        let n = params.start;
        return { receive: (env: Envelope) => (env.type === 'add' ? (n += env.body as number) : n) };
      },
      mailboxCapacity: 64,
      strategy: 'one-for-one',
    },
  },
}));

const audit: Middleware = { name: 'audit', receive: (env, next) => next(env) };

export async function main(systemUrl: URL): Promise<number> {
  const rt: Runtime = await createRuntime({ system: systemUrl, params: { start: 1 }, shards: 2 });
  try {
    const accepted: 'accepted' | 'full' | 'closed' = rt.tell('counter', 'user:42', 'add', 1);
    if (accepted !== 'accepted') throw new ShnError('MAILBOX_FULL', `tell was ${accepted}`);
    return await rt.ask<number>('counter', 'user:42', 'get');
  } finally {
    await rt.close();
  }
}

// A CRDT replica.
export function counted(): number {
  const r = new Replica(gCounter, 'replica-a');
  r.mutate((s) => gCounter.increment(s, 'replica-a', 2));
  return gCounter.value(r.state);
}

// The same actor under simulation, in the production host.
const host: ActorHostFactory = createActorHost;
export async function simulated(seed: number): Promise<boolean> {
  const sim = new Simulation({ seed, host, middleware: [audit] });
  sim.addNode('b').host('echo', () => ({ receive: (env: Envelope) => env.body }));
  const pong = sim.addNode('a').ref('echo', 'x', 'b').ask<number>('ping', 1);
  await sim.run();
  const scenario = defineScenario({ name: 'noop', nodes: 1, workload: () => undefined });
  const result = await runScenario(scenario, seed, { host });
  return (await pong) === 1 && result.ok && systemClock.now() > 0;
}

// Telemetry, health and gamedays take the read-only view.
export function shardsUp(view: RuntimeHandle): number {
  return view.shardStates().filter((s) => s === 'up').length;
}
export async function chaos(target: ChaosTarget): Promise<boolean> {
  const report = await gameday({ target, schedule: { kind: 'fixed', intervalMs: 100 }, durationMs: 300, workload: async () => undefined });
  return report.survived;
}

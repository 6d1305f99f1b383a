import { createActorHost as host } from '@shn/core-mailbox';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hasCode } from '@shn/core';
import type { ActorBehavior, ActorContext, ActorRef, Middleware } from '@shn/core';
import { Simulation } from './simulation.js';
import type { SimActorContext } from './sim-node.js';

/** Resolves after `ms` of the node's virtual time. */
const sleep = (ctx: ActorContext, ms: number): Promise<void> => new Promise((resolve) => ctx.timer.setTimeout(resolve, ms));

describe('SimNode runs its actors in the production ActorHost', () => {
  it('one-for-all supervision: a crashing child restarts every child of its supervisor, under simulation', async () => {
    const sim = new Simulation({ host, seed: 3, network: { latency: { kind: 'fixed', ms: 1 } } });
    const starts: string[] = [];
    const children: Record<string, ActorRef> = {};
    const worker = (id: string): ActorBehavior => {
      let n = 0;
      return {
        start: () => void starts.push(id),
        receive: (env) => {
          if (env.type === 'boom') throw new Error(`boom in ${id}`);
          return `${id}:${++n}`;
        },
      };
    };
    sim.addNode('s', {
      actors: {
        sup: {
          strategy: 'one-for-all',
          factory: () => ({
            start(ctx) {
              children.a = ctx.spawn('worker', 'a');
              children.b = ctx.spawn('worker', 'b');
            },
            // The supervisor survives its children's failures (it answers for them).
            receive: (env) => children[env.body as string]!.ask(env.type).catch((e: unknown) => `failed: ${(e as Error).message}`),
          }),
        },
        worker: { factory: worker },
      },
    });
    const client = sim.addNode('c');
    const sup = client.ref('sup', 'root', 's');
    const first = [sup.ask('inc', 'a'), sup.ask('inc', 'a'), sup.ask('inc', 'b')];
    await sim.run();
    expect(await Promise.all(first)).toEqual(['a:1', 'a:2', 'b:1']);
    expect(starts).toEqual(['a', 'b']);

    const boom = sup.ask('boom', 'a');
    await sim.run();
    expect(await boom).toBe('failed: boom in a');
    // Both children were restarted (one-for-all), so both counters start again.
    expect(starts).toEqual(['a', 'b', 'a', 'b']);
    const after = [sup.ask('inc', 'a'), sup.ask('inc', 'b')];
    await sim.run();
    expect(await Promise.all(after)).toEqual(['a:1', 'b:1']);
    const restarted = sim.log.lines.filter((l) => / actor-restarted /.test(l));
    expect(restarted.some((l) => l.includes('worker/a'))).toBe(true);
    expect(restarted.some((l) => l.includes('worker/b'))).toBe(true);
  });

  it('a bounded mailbox answers full: at the call for a local ref, MAILBOX_FULL for an ask over the network', async () => {
    const sim = new Simulation({ host, seed: 1, network: { latency: { kind: 'fixed', ms: 1 } } });
    const handled: number[] = [];
    const node = sim.addNode('s', {
      actors: {
        slow: {
          mailboxCapacity: 2,
          factory: () => ({
            async receive(env, ctx) {
              await sleep(ctx, 10);
              handled.push(env.body as number);
              return env.body;
            },
          }),
        },
      },
    });
    const ref = node.localRef('slow', 'x');
    // Tells at the call queue in the mailbox (the host runs the actor after this turn): two fit.
    const answers = [0, 1, 2, 3, 4].map((i) => ref.tell('work', i));
    expect(answers).toEqual(['accepted', 'accepted', 'full', 'full', 'full']);
    const client = sim.addNode('c');
    const remote = client.ref('slow', 'x', 's');
    const ask = remote.ask('work', 99).catch((e: unknown) => e);
    // Fill the mailbox again while the ask is on the wire (1 ms), so it arrives to a full mailbox.
    sim.at(0.5, 'refill', () => [5, 6, 7].forEach((i) => ref.tell('work', i)));
    await sim.run();
    expect(handled).toEqual([0, 1, 5]);
    expect(hasCode(await ask, 'MAILBOX_FULL')).toBe(true);
    expect(sim.log.lines.some((l) => / mailbox-full s slow\/x work/.test(l))).toBe(true);
  });

  it('property: however many tells arrive in one turn, a mailbox of capacity c accepts exactly c and the rest get full', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 40 }), async (log2, n) => {
        const capacity = 2 ** log2;
        const sim = new Simulation({ host, seed: n });
        const node = sim.addNode('s', {
          actors: { q: { mailboxCapacity: capacity, factory: () => ({ receive: (_env, ctx) => sleep(ctx, 1) }) } },
        });
        const ref = node.localRef('q', 'x');
        const answers = Array.from({ length: n }, (_, i) => ref.tell('t', i));
        const accepted = answers.filter((a) => a === 'accepted').length;
        expect(accepted).toBe(Math.min(n, capacity));
        expect(answers.filter((a) => a === 'full').length).toBe(n - accepted);
        await sim.run();
        expect(node.actorHost.processed).toBe(accepted);
      }),
      { numRuns: 40 },
    );
  });

  it('middleware runs under simulation: receive hooks see every message (not the node’s activations), send hooks may refuse', async () => {
    const sim = new Simulation({ host, seed: 2, network: { latency: { kind: 'fixed', ms: 1 } } });
    const seen: string[] = [];
    const audit: Middleware = {
      name: 'audit',
      receive: (env, next) => {
        seen.push(`${env.to.actor} ${env.type}`);
        return next(env);
      },
      send: (env, next) => (env.type === 'forbidden' ? 'full' : next(env)),
    };
    sim.addNode('s', { middleware: [audit] }).host('echo', () => ({ receive: (env) => env.body }), { spawn: ['eager'] });
    const client = sim.addNode('c', { middleware: [audit] });
    const ref = client.ref('echo', 'x', 's');
    expect(ref.tell('forbidden')).toBe('full');
    const answer = ref.ask('hi', 7);
    await sim.run();
    expect(await answer).toBe(7);
    expect(seen).toEqual(['echo/x hi']);
  });

  it('idle actors passivate on virtual time: the stop hook runs and the next message activates a fresh one', async () => {
    const sim = new Simulation({ host, seed: 4, network: { latency: { kind: 'fixed', ms: 1 } } });
    const events: string[] = [];
    const node = sim.addNode('s', {
      actors: {
        session: {
          idleTimeoutMs: 50,
          factory: (id) => {
            let n = 0;
            return { start: () => void events.push(`start ${id}`), stop: () => void events.push(`stop ${id}`), receive: () => ++n };
          },
        },
      },
    });
    const client = sim.addNode('c');
    const ref = client.ref('session', 'u1', 's');
    const a = ref.ask('touch');
    await sim.run({ untilTimeMs: 20 });
    expect(await a).toBe(1);
    expect(node.actorNames()).toEqual(['session/u1']);
    await sim.run({ untilTimeMs: 200 });
    expect(events).toEqual(['start u1', 'stop u1']);
    expect(node.actorNames()).toEqual([]);
    const b = ref.ask('touch');
    await sim.run({ untilTimeMs: sim.now + 20 });
    expect(await b).toBe(1);
    expect(events).toEqual(['start u1', 'stop u1', 'start u1']);
  });

  it('restart intensity applies: past maxRestarts in periodMs the guardian escalates and the actor is removed', async () => {
    const sim = new Simulation({ host, seed: 5, network: { latency: { kind: 'fixed', ms: 1 } } });
    let built = 0;
    sim.addNode('s', {
      actors: {
        flaky: {
          intensity: { maxRestarts: 2, periodMs: 1000 },
          factory: () => {
            built++;
            return {
              receive: () => {
                throw new Error('always');
              },
            };
          },
        },
      },
    });
    const client = sim.addNode('c');
    const ref = client.ref('flaky', 'x', 's');
    const results = await Promise.all(
      [0, 1, 2].map(async (i) => {
        const p = ref.ask('go', i).catch((e: unknown) => e);
        await sim.run();
        return p;
      }),
    );
    for (const r of results) expect(hasCode(r, 'ACTOR_FAILED')).toBe(true);
    expect(built).toBe(3);
    expect(sim.log.lines.some((l) => / escalate s flaky\/x: guardian of shard 0: more than 2 restarts in 1000 ms/.test(l))).toBe(true);
  });

  it('a crash freezes the crashed incarnation: an async receive in flight never finishes or replies', async () => {
    const sim = new Simulation({ host, seed: 6, network: { latency: { kind: 'fixed', ms: 1 } } });
    const finished: string[] = [];
    const node = sim.addNode('s', {
      actors: {
        slow: () => ({
          async receive(env, ctx) {
            await sleep(ctx, 20);
            finished.push(`${(ctx as SimActorContext).node} ${env.type}`);
            return 'done';
          },
        }),
      },
    });
    const client = sim.addNode('c');
    const lost = client.ref('slow', 'x', 's').ask('first', undefined, { timeoutMs: 100 }).catch((e: unknown) => e);
    sim.at(10, 'crash s', () => node.crash());
    sim.at(15, 'restart s', () => node.restart());
    await sim.run();
    expect(hasCode(await lost, 'TIMEOUT')).toBe(true);
    expect(finished).toEqual([]);
    const second = client.ref('slow', 'x', 's').ask('second');
    await sim.run();
    expect(await second).toBe('done');
    expect(finished).toEqual(['s second']);
  });

  it('refuses a kind added after an actor started, and a Simulation without a host, with INVALID_ARGUMENT', () => {
    const sim = new Simulation({ host, seed: 1 });
    const node = sim.addNode('s').host('a', () => ({ receive: () => 1 }), { spawn: ['x'] });
    expect(() => node.host('b', () => ({ receive: () => 2 }))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/before the first actor starts \(a\/x is running\)/) }));
    expect(() => node.host('c', { factory: () => ({ receive: () => 3 }), mailboxCapacity: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new Simulation({ seed: 1 } as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/host must be an ActorHostFactory/) }));
  });
});

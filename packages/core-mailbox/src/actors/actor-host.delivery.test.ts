import { hasCode, ShnError } from '@shn/core';
import type { ActorContext, ActorRef, Envelope, Middleware, RuntimeEvent } from '@shn/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ActorHost } from './actor-host.js';
import { ManualTime, ask, envelope, gate, rejectionOf, tell, testHost, unusedRef } from './host-testkit.test-helper.js';
import { Probe } from './probe-actor.test-helper.js';

describe('per-actor FIFO with async receive', () => {
  it('property: every message is handled exactly once, per actor in send order', async () => {
    const command = fc.record({
      actor: fc.integer({ min: 0, max: 3 }),
      ticks: fc.integer({ min: 0, max: 3 }), // microtask hops the receive awaits (0 = synchronous)
      asAsk: fc.boolean(),
      pauseAfter: fc.boolean(), // let the host run before the next send
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(command, { maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 8 }),
        async (commands, batchSize, turnBudget) => {
          const seen = new Map<string, number[]>();
          let active = 0;
          let overlapped = false;
          const host = new ActorHost({
            node: 'n1',
            shard: 0,
            refFor: unusedRef,
            batchSize,
            turnBudget,
            yieldTurn: (fn) => setImmediate(fn),
            kinds: {
              a: {
                factory: (id) => {
                  const mine: number[] = [];
                  seen.set(id, mine);
                  let busy = false;
                  return {
                    receive(env: Envelope) {
                      if (busy) overlapped = true; // two messages of one actor at once
                      const { seq, ticks } = env.body as { seq: number; ticks: number };
                      if (ticks === 0) {
                        mine.push(seq);
                        return seq;
                      }
                      busy = true;
                      active++;
                      return (async () => {
                        for (let i = 0; i < ticks; i++) await Promise.resolve();
                        mine.push(seq);
                        busy = false;
                        active--;
                        return seq;
                      })();
                    },
                  };
                },
              },
            },
          });
          const sent = new Map<string, number[]>();
          const replies: Promise<unknown>[] = [];
          const replyCounts = new Map<number, number>();
          for (let seq = 0; seq < commands.length; seq++) {
            const c = commands[seq] as (typeof commands)[number];
            const id = String(c.actor);
            (sent.get(id) ?? sent.set(id, []).get(id))?.push(seq);
            const env = envelope(`a/${id}`, 'm', { seq, ticks: c.ticks });
            if (c.asAsk) {
              replies.push(
                new Promise((resolve, reject) => {
                  const r = host.deliver(env, (error, result) => {
                    replyCounts.set(seq, (replyCounts.get(seq) ?? 0) + 1);
                    if (error === undefined) resolve(result);
                    else reject(error);
                  });
                  expect(r).toBe('accepted');
                }).then((result) => expect(result).toBe(seq)),
              );
            } else {
              expect(host.deliver(env)).toBe('accepted');
            }
            if (c.pauseAfter) await Promise.resolve();
          }
          await Promise.all(replies);
          await host.shutdown({ timeoutMs: 10_000 });
          expect(overlapped).toBe(false);
          expect(active).toBe(0);
          for (const [id, seqs] of sent) expect(seen.get(id)).toEqual(seqs);
          expect([...seen.keys()].sort()).toEqual([...sent.keys()].sort());
          for (const n of replyCounts.values()) expect(n).toBe(1);
          expect(host.processed).toBe(commands.length);
          expect(host.queued).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('ask results and errors', () => {
  const echo = {
    factory: () => ({
      receive(env: Envelope) {
        if (env.type === 'fail-async') return Promise.reject(new TypeError('async failure'));
        if (env.type === 'fail') throw new RangeError('sync failure');
        if (env.type === 'wait') return env.body as Promise<unknown>;
        return { echoed: env.body };
      },
    }),
  };

  it('resolves with receive’s (awaited) return value', async () => {
    const { host } = testHost({ kinds: { echo } });
    expect(await ask(host, 'echo/1', 'hi', 42)).toEqual({ echoed: 42 });
    expect(await ask(host, 'echo/1', 'wait', Promise.resolve('later'))).toBe('later');
    expect(host.processed).toBe(2);
  });

  it('ACTOR_FAILED keeps the original message and chains the cause (sync and async)', async () => {
    const { host, events } = testHost({ kinds: { echo } });
    const sync = await rejectionOf(ask(host, 'echo/1', 'fail'));
    expect(hasCode(sync, 'ACTOR_FAILED')).toBe(true);
    expect(sync.message).toBe('sync failure');
    expect(sync.cause).toBeInstanceOf(RangeError);
    const asyncErr = await rejectionOf(ask(host, 'echo/1', 'fail-async'));
    expect(hasCode(asyncErr, 'ACTOR_FAILED')).toBe(true);
    expect(asyncErr.message).toBe('async failure');
    expect(asyncErr.cause).toBeInstanceOf(TypeError);
    expect(events.filter((e) => e.type === 'message-lost')).toEqual([]);
    // a tell that crashes the actor is reported as a restart
    tell(host, 'echo/2', 'fail');
    expect(await ask(host, 'echo/2', 'ok', 1)).toEqual({ echoed: 1 });
    expect(events.filter((e) => e.type === 'actor-restarted').map((e) => (e as { actor: string }).actor)).toEqual([
      'echo/1',
      'echo/1',
      'echo/2',
    ]);
  });

  it('ACTOR_NOT_FOUND for an unknown kind (reply async, tell reported lost); INVALID_ARGUMENT for a malformed address', async () => {
    const { host, events } = testHost({ kinds: { echo } });
    let called = 0;
    const p = new Promise<ShnError | undefined>((resolve) => {
      expect(
        host.deliver(envelope('nope/1', 'x'), (error) => {
          called++;
          resolve(error);
        }),
      ).toBe('accepted');
    });
    expect(called).toBe(0); // never synchronously inside deliver
    expect(hasCode(await p, 'ACTOR_NOT_FOUND')).toBe(true);
    expect(host.deliver(envelope('nope/2', 'x'))).toBe('accepted');
    expect(events).toEqual([expect.objectContaining({ type: 'message-lost', envelope: expect.objectContaining({ type: 'x' }) })]);
    expect(hasCode(await rejectionOf(ask(host, 'no-slash', 'x')), 'INVALID_ARGUMENT')).toBe(true);
    expect(hasCode(await rejectionOf(ask(host, '/1', 'x')), 'INVALID_ARGUMENT')).toBe(true);
    expect(host.actors()).toEqual([]);
    expect(() => host.deliver(envelope('echo/1', 'x'), 'nope' as never)).toThrowError(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as Error,
    );
  });

  it('DEADLINE_EXCEEDED when the deadline passed before receive started; the actor is not run', async () => {
    const time = new ManualTime();
    const received: string[] = [];
    const { host, events } = testHost({
      clock: time,
      timer: time,
      kinds: {
        slow: {
          factory: () => ({
            receive(env: Envelope) {
              received.push(env.type);
              return env.type === 'hold' ? (env.body as Promise<unknown>) : 'ok';
            },
          }),
        },
      },
    });
    const g = gate();
    const hold = ask(host, 'slow/1', 'hold', g.promise);
    const late = ask(host, 'slow/1', 'late', undefined, { deadline: time.now() + 10 });
    host.deliver(envelope('slow/1', 'late-tell', undefined, { deadline: time.now() + 10 }));
    const onTime = ask(host, 'slow/1', 'on-time', undefined, { deadline: time.now() + 100 });
    await Promise.resolve();
    time.advance(11);
    g.open();
    await hold;
    const error = await rejectionOf(late);
    expect(hasCode(error, 'DEADLINE_EXCEEDED')).toBe(true);
    expect(await onTime).toBe('ok');
    expect(received).toEqual(['hold', 'on-time']);
    expect(events).toEqual([expect.objectContaining({ type: 'message-lost', envelope: expect.objectContaining({ type: 'late-tell' }) })]);
  });

  it("returns 'full' when the actor's mailbox is full, queueing nothing", async () => {
    const { host } = testHost({
      kinds: {
        small: {
          mailboxCapacity: 2,
          factory: () => ({ receive: (env: Envelope) => (env.type === 'hold' ? (env.body as Promise<unknown>) : env.body) }),
        },
      },
    });
    const g = gate();
    const hold = ask(host, 'small/1', 'hold', g.promise);
    await Promise.resolve(); // the actor takes `hold` out of its mailbox and awaits it
    const a = ask(host, 'small/1', 'x', 1);
    const b = ask(host, 'small/1', 'x', 2);
    expect(host.queued).toBe(2);
    let replied = false;
    expect(host.deliver(envelope('small/1', 'x', 3), () => (replied = true))).toBe('full');
    expect(host.deliver(envelope('small/1', 'x', 4))).toBe('full');
    expect(host.queued).toBe(2);
    expect(host.deliver(envelope('small/2', 'x', 5))).toBe('accepted'); // other actors are unaffected
    g.open();
    expect(await Promise.all([hold, a, b])).toEqual([undefined, 1, 2]);
    expect(replied).toBe(false);
  });
});

describe('per-shard mode', () => {
  it('one instance per shard handles every id of the kind', async () => {
    const factoryIds: string[] = [];
    const { host } = testHost({
      kinds: {
        counter: {
          mode: 'per-shard',
          factory: (id) => {
            factoryIds.push(id);
            const perKey = new Map<string, number>();
            return {
              receive(env: Envelope, ctx: ActorContext) {
                const n = (perKey.get(env.to.actor) ?? 0) + 1;
                perKey.set(env.to.actor, n);
                return { n, ctxId: ctx.id, self: ctx.self.actor, addressed: env.to.actor };
              },
            };
          },
        },
      },
    });
    expect(await ask(host, 'counter/a', 'inc')).toEqual({ n: 1, ctxId: '0', self: 'counter/0', addressed: 'counter/a' });
    expect(await ask(host, 'counter/b', 'inc')).toEqual({ n: 1, ctxId: '0', self: 'counter/0', addressed: 'counter/b' });
    expect(await ask(host, 'counter/a', 'inc')).toMatchObject({ n: 2 });
    expect(factoryIds).toEqual(['0']);
    expect(host.actors()).toEqual(['counter/0']);
  });
});

describe('middleware and context', () => {
  it('receive hooks wrap receive outermost first; a hook that refuses with a ShnError answers with it and the actor keeps running', async () => {
    const order: string[] = [];
    const outer: Middleware = {
      name: 'outer',
      receive(env, next) {
        order.push(`outer>${env.type}`);
        const r = next(env);
        order.push('outer<');
        return r;
      },
    };
    const inner: Middleware = {
      name: 'inner',
      receive(env, next) {
        order.push('inner>');
        if (env.type === 'deny') throw new ShnError('INVALID_ARGUMENT', 'denied');
        if (env.type === 'short') return 'short-circuited';
        return next({ ...env, headers: { ...env.headers, seen: 'yes' } });
      },
    };
    const probe = new Probe();
    const { host } = testHost({
      middleware: [outer, inner],
      kinds: {
        h: {
          factory: (id) => {
            probe.record('factory', id);
            return { receive: (env: Envelope) => env.headers['seen'] };
          },
        },
      },
    });
    expect(await ask(host, 'h/1', 'go')).toBe('yes');
    expect(order).toEqual(['outer>go', 'inner>', 'outer<']);
    expect(await ask(host, 'h/1', 'short')).toBe('short-circuited');
    const denied = await rejectionOf(ask(host, 'h/1', 'deny'));
    expect(hasCode(denied, 'INVALID_ARGUMENT')).toBe(true);
    expect(denied.message).toBe('denied');
    expect(probe.count('1').factory).toBe(1); // refused before it ran: not a crash, no restart
    expect(await ask(host, 'h/1', 'go')).toBe('yes');
  });

  it('a hook that throws something that is not a ShnError is a receive failure (ACTOR_FAILED, restart)', async () => {
    const probe = new Probe();
    const broken: Middleware = {
      name: 'broken',
      receive(env, next) {
        if (env.type === 'boom') throw new Error('bug in a hook');
        return next(env);
      },
    };
    const { host } = testHost({
      middleware: [broken],
      kinds: { h: { factory: (id) => (probe.record('factory', id), { receive: () => 'ok' }) } },
    });
    expect(await ask(host, 'h/1', 'go')).toBe('ok');
    const failed = await rejectionOf(ask(host, 'h/1', 'boom'));
    expect(hasCode(failed, 'ACTOR_FAILED')).toBe(true);
    expect(probe.count('1').factory).toBe(2);
  });

  it('spawned children are reachable through local refs (tell/ask, timeout)', async () => {
    const time = new ManualTime();
    let childRef: ActorRef | undefined;
    const { host } = testHost({
      clock: time,
      timer: time,
      kinds: {
        parent: {
          factory: () => ({
            start(ctx: ActorContext) {
              childRef = ctx.spawn('child', 'c1');
            },
            async receive(env: Envelope, ctx: ActorContext) {
              const ref = childRef as ActorRef;
              if (env.type === 'relay') {
                expect(ctx.tell(ref, 'add', 5)).toBe('accepted');
                return ctx.ask(ref, 'sum');
              }
              return ctx.ask(ref, 'never', undefined, { timeoutMs: 50 });
            },
          }),
        },
        child: {
          factory: () => {
            let sum = 0;
            return {
              receive(env: Envelope) {
                if (env.type === 'add') sum += env.body as number;
                if (env.type === 'never') return new Promise(() => {});
                return sum;
              },
            };
          },
        },
      },
    });
    expect(await ask(host, 'parent/1', 'relay')).toBe(5);
    expect(childRef?.address).toEqual({ node: 'n1', shard: 0, actor: 'child/c1' });
    const timedOut = ask(host, 'parent/1', 'timeout');
    await new Promise((r) => setImmediate(r)); // let the ask reach the child
    time.advance(50);
    const error = await rejectionOf(timedOut);
    expect(hasCode(error, 'ACTOR_FAILED')).toBe(true);
    expect(hasCode(error.cause, 'TIMEOUT')).toBe(true);
  });

  it('spawn and stop validate their input', async () => {
    const results: Record<string, unknown> = {};
    const { host } = testHost({
      kinds: {
        p: {
          factory: () => ({
            receive(_env: Envelope, ctx: ActorContext) {
              const capture = (name: string, fn: () => unknown) => {
                try {
                  fn();
                  results[name] = 'ok';
                } catch (e) {
                  results[name] = (e as ShnError).code;
                }
              };
              capture('unknown kind', () => ctx.spawn('ghost', '1'));
              capture('bad kind', () => ctx.spawn('bad kind!', '1'));
              capture('per-shard', () => ctx.spawn('ps', '1'));
              capture('remote stop', () => ctx.stop({ address: { node: 'other', shard: 0, actor: 'p/1' } } as ActorRef));
              capture('same name', () => ctx.spawn('p', '1'));
              return null;
            },
          }),
        },
        ps: { mode: 'per-shard', factory: () => ({ receive: () => null }) },
      },
    });
    await ask(host, 'p/1', 'go');
    expect(results).toEqual({
      'unknown kind': 'ACTOR_NOT_FOUND',
      'bad kind': 'INVALID_ARGUMENT',
      'per-shard': 'INVALID_ARGUMENT',
      'remote stop': 'UNSUPPORTED',
      'same name': 'ok',
    });
  });

  /** A host whose clock counts its monotonic reads and whose `w` actors take `cost` ms per message. */
  function timedHost(cost: number) {
    const state = { t: 0, reads: 0, received: 0 };
    const clock = {
      now: () => state.t,
      monotonic: () => {
        state.reads++;
        return state.t;
      },
    };
    const receive = () => {
      state.received++;
      state.t += cost;
      return null;
    };
    return { state, host: testHost({ clock, kinds: { w: { factory: () => ({ receive }) } } }).host };
  }

  it('counts busy time from the clock', async () => {
    const { host } = timedHost(7);
    await ask(host, 'w/1', 'x');
    await ask(host, 'w/1', 'y');
    expect(host.busyMs).toBe(14);
  });

  it('times a turn as a whole: no clock read per message inside it, its whole time counts as busy', () => {
    const { host, state } = timedHost(2);
    host.beginTurn();
    host.beginTurn(); // turns nest; only the outermost is timed
    for (let i = 0; i < 10; i++) expect(host.deliverNow(envelope('w/1', 'x', i))).toBe('accepted');
    host.endTurn();
    state.t += 5; // the caller's own work inside the turn counts too
    host.endTurn();
    expect(state.received).toBe(10);
    expect(state.reads).toBe(2);
    expect(host.busyMs).toBe(25);
    expect(() => host.endTurn()).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('reports events with the shard and the clock time', async () => {
    const time = new ManualTime();
    const { host, events } = testHost({
      clock: time,
      kinds: { w: { factory: () => ({ receive: () => { throw new Error('x'); } }) } },
    });
    tell(host, 'w/1', 'x');
    await ask(host, 'w/1', 'x').catch(() => undefined);
    const restarted = events.find((e) => e.type === 'actor-restarted') as Extract<RuntimeEvent, { type: 'actor-restarted' }>;
    expect(restarted).toEqual({ type: 'actor-restarted', shard: 0, at: time.now(), actor: 'w/1', error: 'x' });
  });
});

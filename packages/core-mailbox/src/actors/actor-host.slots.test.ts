import { FifoRunQueue, MemoryStore, ShnError, createLineLogger, hasCode } from '@shn/core';
import type { ActorBehavior, Checkpoints, Envelope, RunQueueContext } from '@shn/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ask, envelope, rejectionOf, tell, testHost } from './host-testkit.test-helper.js';
import { PriorityRunQueue } from '../runtime/fixtures/slot-system.js';

/** An actor that records the order of the `n` bodies it receives. */
function recorder(log: number[]): () => ActorBehavior {
  return () => ({
    receive(env) {
      if (env.type === 'n') log.push(env.body as number);
      return log.length;
    },
  });
}

describe('run-queue slot', () => {
  it('default (no slot): envelopes reach the actor in arrival order', async () => {
    const seen: number[] = [];
    const { host } = testHost({ kinds: { r: { factory: recorder(seen) } } });
    for (let i = 0; i < 5; i++) tell(host, 'r/1', 'n', i);
    await ask(host, 'r/1', 'done');
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  it("core's FifoRunQueue as the slot keeps arrival order for any priorities (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }), async (priorities) => {
        const seen: number[] = [];
        const { host } = testHost({ kinds: { r: { factory: recorder(seen) } }, runQueue: () => new FifoRunQueue<Envelope>() });
        priorities.forEach((priority, i) => expect(host.deliver(envelope('r/1', 'n', i, { priority }))).toBe('accepted'));
        await ask(host, 'r/1', 'done');
        expect(seen).toEqual(priorities.map((_, i) => i));
      }),
      { numRuns: 50 },
    );
  });

  it('a custom run queue decides the order in which accepted envelopes reach the mailboxes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 40 }), async (priorities) => {
        const seen: number[] = [];
        const { host } = testHost({ kinds: { r: { factory: recorder(seen) } }, runQueue: () => new PriorityRunQueue() });
        priorities.forEach((priority, i) => expect(host.deliverNow(envelope('r/1', 'n', i, { priority }))).toBe('accepted'));
        await ask(host, 'r/1', 'done');
        const expected = priorities.map((p, i) => ({ p, i })).sort((a, b) => b.p - a.p || a.i - b.i).map((x) => x.i);
        expect(seen).toEqual(expected);
      }),
      { numRuns: 50 },
    );
  });

  it('the factory gets the slot context, and a dropped envelope fails its ask and is reported', async () => {
    let ctx: RunQueueContext | undefined;
    const inner = new FifoRunQueue<Envelope>();
    const { host, events } = testHost({
      kinds: { r: { factory: recorder([]) } },
      runQueue: (c) => {
        ctx = c;
        return {
          push: (env: Envelope) => (env.type === 'expired' ? c.dropped(env, new ShnError('DEADLINE_EXCEEDED', 'too late')) : inner.push(env)),
          pop: () => inner.pop(),
          get size() {
            return inner.size;
          },
        };
      },
    });
    expect(ctx).toMatchObject({ node: 'n1', shard: 0 });
    const err = await rejectionOf(ask(host, 'r/1', 'expired'));
    expect(hasCode(err, 'DEADLINE_EXCEEDED')).toBe(true);
    expect(events.some((e) => e.type === 'message-lost' && e.reason === 'too late')).toBe(true);
    expect(host.queued).toBe(0);
    expect(await ask(host, 'r/1', 'still-fine')).toBe(0);
  });

  it('full still means full: the run queue holds room in the mailbox for what it queued', () => {
    const { host } = testHost({ kinds: { r: { factory: recorder([]), mailboxCapacity: 2 } }, runQueue: () => new PriorityRunQueue() });
    expect(host.deliver(envelope('r/1', 'n', 1))).toBe('accepted');
    expect(host.deliver(envelope('r/1', 'n', 2))).toBe('accepted');
    expect(host.deliver(envelope('r/1', 'n', 3))).toBe('full');
    expect(host.queued).toBe(2);
  });

  it('shutdown rejects what still waits in the run queue with RUNTIME_CLOSED', async () => {
    const { host } = testHost({ kinds: { r: { factory: recorder([]) } }, runQueue: () => new PriorityRunQueue() });
    const pending = ask(host, 'r/1', 'n', 1);
    await host.shutdown({ timeoutMs: 0 });
    // Either it ran before the drain ended, or it was rejected with RUNTIME_CLOSED: never lost.
    const outcome = await pending.then(
      () => 'ran',
      (e: ShnError) => e.code,
    );
    expect(['ran', 'RUNTIME_CLOSED']).toContain(outcome);
  });
});

describe('logger slot (host side)', () => {
  it("binds shard and actor on ctx.log, and the host's own lines carry the shard", async () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLineLogger({ level: 'debug', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    const { host } = testHost({
      kinds: {
        talker: {
          factory: () => ({
            receive(env, ctx) {
              if (env.type === 'boom') throw new Error('boom');
              ctx.log.info('hello', { n: env.body });
              return 1;
            },
          }),
        },
      },
      log,
    });
    await ask(host, 'talker/a', 'say', 7);
    await rejectionOf(ask(host, 'talker/a', 'boom'));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'hello', shard: 0, actor: 'talker/a', n: 7, level: 30 }));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'actor crashed', shard: 0, actor: 'talker/a', level: 40 }));
  });
});

/** A counter that snapshots its count as 4 bytes and crashes on `boom`. */
function snapshotCounter(starts: number[]): () => ActorBehavior {
  return () => {
    let n = 0;
    return {
      start() {
        starts.push(n);
      },
      receive(env) {
        if (env.type === 'boom') throw new Error('boom');
        if (env.type === 'add') n += env.body as number;
        return n;
      },
      snapshot: () => new Uint8Array(new Uint32Array([n]).buffer),
      restore: (bytes) => {
        if (bytes.length !== 4) throw new Error(`bad snapshot of ${bytes.length} bytes`);
        n = new Uint32Array(bytes.slice().buffer)[0] as number;
      },
    };
  };
}

/** Checkpoints over a MemoryStore (async, like a real store). */
function storeCheckpoints(store: MemoryStore, shouldSave?: Checkpoints['shouldSave']): Checkpoints {
  return {
    load: (actor) => store.get(`cp/${actor}`),
    save: (actor, bytes) => store.put(`cp/${actor}`, bytes),
    ...(shouldSave === undefined ? {} : { shouldSave }),
  };
}

describe('checkpoint slot', () => {
  it('default (no slot): a crashed actor restarts empty', async () => {
    const starts: number[] = [];
    const { host } = testHost({ kinds: { c: { factory: snapshotCounter(starts) } } });
    await ask(host, 'c/1', 'add', 5);
    await rejectionOf(ask(host, 'c/1', 'boom'));
    expect(await ask(host, 'c/1', 'get')).toBe(0);
  });

  it('an actor crashes and comes back from its last in-memory snapshot (restore before start)', async () => {
    const store = new MemoryStore();
    const starts: number[] = [];
    const { host, events } = testHost({ kinds: { c: { factory: snapshotCounter(starts) } }, checkpoints: storeCheckpoints(store) });
    expect(await ask(host, 'c/1', 'add', 5)).toBe(5);
    expect(await ask(host, 'c/1', 'add', 3)).toBe(8);
    await rejectionOf(ask(host, 'c/1', 'boom'));
    expect(events.some((e) => e.type === 'actor-restarted' && e.actor === 'c/1')).toBe(true);
    expect(await ask(host, 'c/1', 'get')).toBe(8);
    // start saw the restored state, both times (0 at first activation, 8 after the restart).
    expect(starts).toEqual([0, 8]);
    expect(await store.list('cp/')).toEqual(['cp/c/1']);
  });

  it('shouldSave decides when to snapshot, with the count of messages since the last save', async () => {
    const store = new MemoryStore();
    const asked: number[] = [];
    const { host } = testHost({
      kinds: { c: { factory: snapshotCounter([]) } },
      checkpoints: storeCheckpoints(store, (_actor, since) => {
        asked.push(since);
        return since >= 3;
      }),
    });
    for (let i = 0; i < 4; i++) await ask(host, 'c/1', 'add', 1);
    expect(asked).toEqual([1, 2, 3, 1]);
    await rejectionOf(ask(host, 'c/1', 'boom'));
    expect(await ask(host, 'c/1', 'get')).toBe(3); // the 4th add was after the last save
  });

  it('a load that throws, or a restore that throws, is logged and the actor starts empty', async () => {
    const lines: string[] = [];
    const log = createLineLogger({ write: (l) => lines.push(l) });
    const broken: Checkpoints = {
      load: (actor) => (actor === 'c/throws' ? Promise.reject(new Error('disk gone')) : new Uint8Array([1, 2, 3])),
      save: () => undefined,
    };
    const { host } = testHost({ kinds: { c: { factory: snapshotCounter([]) } }, checkpoints: broken, log });
    expect(await ask(host, 'c/throws', 'get')).toBe(0);
    expect(await ask(host, 'c/bad', 'add', 2)).toBe(2);
    expect(lines.some((l) => l.includes('checkpoint load failed') && l.includes('disk gone'))).toBe(true);
    expect(lines.some((l) => l.includes('actor restore failed') && l.includes('bad snapshot of 3 bytes'))).toBe(true);
  });

  it('actors without snapshot/restore are not checkpointed', async () => {
    let loads = 0;
    const { host } = testHost({
      kinds: { plain: { factory: () => ({ receive: () => 1 }) } },
      checkpoints: { load: () => (loads++, undefined), save: () => expect.fail('must not save') },
    });
    expect(await ask(host, 'plain/1', 'x')).toBe(1);
    expect(loads).toBe(0);
  });
});

describe('removed for good', () => {
  it('an actor the guardian removed after an escalation stays removed: later messages are refused', async () => {
    let factories = 0;
    const { host, escalations, events } = testHost({
      kinds: {
        flaky: {
          intensity: { maxRestarts: 1, periodMs: 60_000 },
          factory: () => {
            factories++;
            return {
              receive(env) {
                if (env.type === 'boom') throw new Error('boom');
                return 'ok';
              },
            };
          },
        },
      },
    });
    await rejectionOf(ask(host, 'flaky/1', 'boom'));
    await rejectionOf(ask(host, 'flaky/1', 'boom'));
    expect(escalations.map((e) => e.actor)).toEqual(['flaky/1']);
    const made = factories;
    const err = await rejectionOf(ask(host, 'flaky/1', 'ping'));
    expect(hasCode(err, 'ACTOR_FAILED')).toBe(true);
    expect(err.message).toMatch(/removed for good/);
    tell(host, 'flaky/1', 'ping');
    await Promise.resolve();
    await new Promise((r) => setImmediate(r));
    expect(events.some((e) => e.type === 'message-lost' && /removed for good/.test(e.reason))).toBe(true);
    expect(factories).toBe(made); // never activated again
    expect(host.actors()).not.toContain('flaky/1');
    // Other ids of the kind still work.
    expect(await ask(host, 'flaky/2', 'ping')).toBe('ok');
  });
});

describe('onDone: one completion callback for envelopes without their own reply', () => {
  it('is called once per envelope with its result or error, instead of a message-lost event', async () => {
    const done: { type: string; error: string | undefined; result: unknown }[] = [];
    const { host, events } = testHost({
      kinds: { r: { factory: recorder([]) } },
      onDone: (error, result, env) => done.push({ type: env.type, error: error?.code, result }),
    });
    expect(host.deliverNow(envelope('r/1', 'n', 1))).toBe('accepted');
    expect(host.deliver(envelope('nokind/1', 'lost'))).toBe('accepted');
    expect(host.deliver(envelope('r/1', 'late', undefined, { deadline: 1 }))).toBe('accepted');
    await ask(host, 'r/1', 'flush');
    expect(done).toEqual([
      { type: 'n', error: undefined, result: 1 },
      { type: 'lost', error: 'ACTOR_NOT_FOUND', result: undefined },
      { type: 'late', error: 'DEADLINE_EXCEEDED', result: undefined },
    ]);
    expect(events.filter((e) => e.type === 'message-lost')).toEqual([]);
  });
});

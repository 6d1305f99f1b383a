import { hasCode } from '@shn/core';
import { describe, expect, it } from 'vitest';
import type { ActorKindDefinition, SupervisionStrategy } from './actor-kind.js';
import { ManualTime, ask, gate, rejectionOf, tell, testHost } from './host-testkit.test-helper.js';
import { Probe, probeActor } from './probe-actor.test-helper.js';

const KIDS = [
  ['worker', 'a'],
  ['worker', 'b'],
  ['worker', 'c'],
] as const;

/** A supervisor `sup/1` with children worker/a, worker/b, worker/c (started in that order). */
function supervisedTree(strategy: SupervisionStrategy) {
  const probe = new Probe();
  const time = new ManualTime();
  const kinds: Record<string, ActorKindDefinition> = {
    sup: { factory: probeActor(probe, 'sup', KIDS), strategy },
    worker: { factory: probeActor(probe, 'worker') },
  };
  return { probe, ...testHost({ kinds, clock: time, timer: time }) };
}

/**
 * Brings every worker to count 2, then crashes worker/b while worker/a and worker/c each hold an
 * in-flight async message and have an `inc` queued behind it, and worker/b has an `inc` queued
 * behind the crash. Returns the final counts and the in-flight outcomes.
 */
async function crashMiddleChild(strategy: SupervisionStrategy) {
  const t = supervisedTree(strategy);
  const { host } = t;
  await ask(host, 'sup/1', 'get');
  for (const [, id] of KIDS) {
    await ask(host, `worker/${id}`, 'inc');
    await ask(host, `worker/${id}`, 'inc');
  }
  const g = gate();
  const waitA = ask(host, 'worker/a', 'wait', g.promise);
  const waitC = ask(host, 'worker/c', 'wait', g.promise);
  tell(host, 'worker/a', 'inc');
  tell(host, 'worker/c', 'inc');
  const crash = ask(host, 'worker/b', 'boom');
  tell(host, 'worker/b', 'inc');
  const crashError = await rejectionOf(crash);
  g.open();
  const outcomes = await Promise.allSettled([waitA, waitC]);
  const counts: Record<string, number> = {};
  for (const [, id] of KIDS) counts[id] = await ask<number>(host, `worker/${id}`, 'get');
  return { ...t, crashError, outcomes, counts };
}

describe('supervision strategies', () => {
  it('one-for-one restarts only the failed child and keeps its queued messages', async () => {
    const { probe, counts, crashError, outcomes, events } = await crashMiddleChild('one-for-one');
    expect(hasCode(crashError, 'ACTOR_FAILED')).toBe(true);
    expect(crashError.message).toBe('boom in worker/b');
    expect((crashError.cause as Error).message).toBe('boom in worker/b');
    expect(probe.count('worker/a')).toEqual({ factory: 1, start: 1, stop: 0 });
    expect(probe.count('worker/b')).toEqual({ factory: 2, start: 2, stop: 0 });
    expect(probe.count('worker/c')).toEqual({ factory: 1, start: 1, stop: 0 });
    expect(probe.count('sup/1').factory).toBe(1);
    // b's state was reset, then the `inc` queued behind the crash ran on the new instance.
    expect(counts).toEqual({ a: 3, b: 1, c: 3 });
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(events.filter((e) => e.type === 'actor-restarted').map((e) => (e as { actor: string }).actor)).toEqual(['worker/b']);
  });

  it('one-for-all restarts every sibling; their queued messages survive, in-flight ones fail', async () => {
    const { probe, counts, outcomes, events, host } = await crashMiddleChild('one-for-all');
    for (const [, id] of KIDS) expect(probe.count(`worker/${id}`)).toEqual({ factory: 2, start: 2, stop: 0 });
    expect(probe.count('sup/1').factory).toBe(1);
    // every state reset; each queued `inc` survived the restart and ran on the new instance
    expect(counts).toEqual({ a: 1, b: 1, c: 1 });
    for (const o of outcomes) {
      expect(o.status).toBe('rejected');
      expect(hasCode((o as PromiseRejectedResult).reason, 'ACTOR_FAILED')).toBe(true);
    }
    const restarted = events.filter((e) => e.type === 'actor-restarted').map((e) => (e as { actor: string }).actor);
    expect(restarted.sort()).toEqual(['worker/a', 'worker/b', 'worker/c']);
    // restarted instances start again in the original start order
    const restarts = probe.log.filter((l) => l.startsWith('start:worker/')).slice(3);
    expect(restarts).toEqual(['start:worker/a', 'start:worker/b', 'start:worker/c']);
    expect(host.actors().sort()).toEqual(['sup/1', 'worker/a', 'worker/b', 'worker/c']);
  });

  it('rest-for-one restarts the failed child and those started after it', async () => {
    const { probe, counts, outcomes } = await crashMiddleChild('rest-for-one');
    expect(probe.count('worker/a')).toEqual({ factory: 1, start: 1, stop: 0 });
    expect(probe.count('worker/b')).toEqual({ factory: 2, start: 2, stop: 0 });
    expect(probe.count('worker/c')).toEqual({ factory: 2, start: 2, stop: 0 });
    expect(counts).toEqual({ a: 3, b: 1, c: 1 });
    expect(outcomes[0]?.status).toBe('fulfilled');
    expect(outcomes[1]?.status).toBe('rejected');
  });

  it('a restarted supervisor loses its children and starts them afresh', async () => {
    const t = supervisedTree('one-for-one');
    await ask(t.host, 'sup/1', 'get');
    await ask(t.host, 'worker/a', 'inc');
    await rejectionOf(ask(t.host, 'sup/1', 'boom'));
    expect(await ask(t.host, 'worker/a', 'get')).toBe(0);
    expect(t.probe.count('worker/a')).toEqual({ factory: 2, start: 2, stop: 0 });
    expect(t.probe.count('sup/1')).toEqual({ factory: 2, start: 2, stop: 0 });
  });
});

describe('restart policies', () => {
  function policyTree() {
    const probe = new Probe();
    const kinds: Record<string, ActorKindDefinition> = {
      sup: { factory: probeActor(probe, 'sup', [['perm', 'x'], ['trans', 'x'], ['temp', 'x']]) },
      perm: { factory: probeActor(probe, 'perm'), restart: 'permanent' },
      trans: { factory: probeActor(probe, 'trans'), restart: 'transient' },
      temp: { factory: probeActor(probe, 'temp'), restart: 'temporary' },
    };
    return { probe, ...testHost({ kinds }) };
  }

  it('after a crash: permanent and transient restart, temporary is removed', async () => {
    const { host, probe, events } = policyTree();
    await ask(host, 'sup/1', 'get');
    for (const k of ['perm', 'trans', 'temp']) {
      await ask(host, `${k}/x`, 'inc');
      await rejectionOf(ask(host, `${k}/x`, 'boom'));
    }
    expect(probe.count('perm/x').factory).toBe(2);
    expect(probe.count('trans/x').factory).toBe(2);
    expect(probe.count('temp/x').factory).toBe(1);
    expect(host.actors().sort()).toEqual(['perm/x', 'sup/1', 'trans/x']);
    expect(await ask(host, 'perm/x', 'get')).toBe(0);
    expect(await ask(host, 'trans/x', 'get')).toBe(0);
    expect(events.some((e) => e.type === 'actor-stopped' && e.actor === 'temp/x')).toBe(true);
    // no stop hook after a crash
    expect(probe.log.filter((l) => l.startsWith('stop:'))).toEqual([]);
  });

  it('after a normal stop: only permanent restarts; stop hooks run', async () => {
    const { host, probe, waitFor } = policyTree();
    await ask(host, 'sup/1', 'get');
    for (const k of ['perm', 'trans', 'temp']) {
      await ask(host, `${k}/x`, 'inc');
      await ask(host, `${k}/x`, 'stop-self');
    }
    await waitFor((e) => e.type === 'actor-stopped' && e.actor === 'trans/x');
    await waitFor((e) => e.type === 'actor-stopped' && e.actor === 'temp/x');
    // the permanent child comes back fresh; the others are gone
    expect(await ask(host, 'perm/x', 'get')).toBe(0);
    expect(host.actors().sort()).toEqual(['perm/x', 'sup/1']);
    expect(probe.count('perm/x')).toEqual({ factory: 2, start: 2, stop: 1 });
    expect(probe.count('trans/x')).toEqual({ factory: 1, start: 1, stop: 1 });
    expect(probe.count('temp/x')).toEqual({ factory: 1, start: 1, stop: 1 });
  });

  it('a parent stopping a transient child does not restart it', async () => {
    const { host, probe, stopped } = policyTree();
    await ask(host, 'sup/1', 'get');
    await ask(host, 'trans/x', 'inc');
    const gone = stopped('trans/x');
    await ask(host, 'sup/1', 'stop-child', ['trans', 'x']);
    await gone;
    expect(host.actors()).not.toContain('trans/x');
    expect(probe.count('trans/x')).toEqual({ factory: 1, start: 1, stop: 1 });
  });

  it('top-level: transient restarts after a crash; after a normal stop the next message activates a fresh one', async () => {
    const probe = new Probe();
    const { host, stopped } = testHost({ kinds: { t: { factory: probeActor(probe, 't'), restart: 'transient' } } });
    await ask(host, 't/1', 'inc');
    await rejectionOf(ask(host, 't/1', 'boom'));
    expect(probe.count('t/1').factory).toBe(2);
    const gone = stopped('t/1');
    await ask(host, 't/1', 'stop-self');
    await gone;
    expect(host.actors()).toEqual([]);
    expect(await ask(host, 't/1', 'inc')).toBe(1);
    expect(probe.count('t/1')).toEqual({ factory: 3, start: 3, stop: 1 });
  });
});

describe('stopping a parent', () => {
  it('stops its children first (reverse start order), for good, then runs its own stop hook', async () => {
    const probe = new Probe();
    const { host, stopped } = testHost({
      kinds: {
        sup: { factory: probeActor(probe, 'sup', KIDS), restart: 'transient' },
        worker: { factory: probeActor(probe, 'worker') },
      },
    });
    await ask(host, 'sup/1', 'get');
    await ask(host, 'worker/c', 'get');
    const gone = stopped('sup/1');
    await ask(host, 'sup/1', 'stop-self');
    await gone;
    expect(probe.log.filter((l) => l.startsWith('stop:'))).toEqual(['stop:worker/c', 'stop:worker/b', 'stop:worker/a', 'stop:sup/1']);
    expect(host.actors()).toEqual([]);
    for (const [, id] of KIDS) expect(probe.count(`worker/${id}`).factory).toBe(1);
  });

  it('one-for-all removes a temporary sibling instead of restarting it', async () => {
    const probe = new Probe();
    const { host } = testHost({
      kinds: {
        sup: { factory: probeActor(probe, 'sup', [['worker', 'a'], ['temp', 't']]), strategy: 'one-for-all' },
        worker: { factory: probeActor(probe, 'worker') },
        temp: { factory: probeActor(probe, 'temp'), restart: 'temporary' },
      },
    });
    await ask(host, 'sup/1', 'get');
    await ask(host, 'temp/t', 'get');
    await rejectionOf(ask(host, 'worker/a', 'boom'));
    expect(await ask(host, 'worker/a', 'get')).toBe(0);
    expect(host.actors().sort()).toEqual(['sup/1', 'worker/a']);
    expect(probe.count('temp/t').factory).toBe(1);
    expect(probe.count('worker/a').factory).toBe(2);
  });
});

describe('restart intensity and escalation', () => {
  it('child → parent → guardian → onEscalate; the failing actor is stopped and its queued asks rejected', async () => {
    const probe = new Probe();
    const time = new ManualTime();
    const kinds: Record<string, ActorKindDefinition> = {
      sup: {
        factory: probeActor(probe, 'sup', [['worker', 'w']]),
        intensity: { maxRestarts: 2, periodMs: 1_000 }, // for its children, and for sup at the guardian
      },
      worker: { factory: probeActor(probe, 'worker') },
    };
    const { host, events, escalations } = testHost({ kinds, clock: time, timer: time });

    /** Holds sup busy with an in-flight ask and one queued ask, then crashes its child 3 times. */
    async function overwhelm() {
      const g = gate();
      const inflight = ask(host, 'sup/1', 'wait', g.promise);
      const queued = ask(host, 'sup/1', 'get');
      for (let i = 0; i < 3; i++) await rejectionOf(ask(host, 'worker/w', 'boom'));
      g.open();
      return { inflight: await rejectionOf(inflight).catch((e: Error) => e), queued };
    }

    // Round 1: the third child restart within the period exceeds sup's intensity → sup fails,
    // the guardian restarts it (1st guardian restart of kind sup); queued ask survives.
    await ask(host, 'sup/1', 'get');
    const r1 = await overwhelm();
    expect(hasCode(r1.inflight, 'ACTOR_FAILED')).toBe(true);
    expect(await r1.queued).toBe(0);
    expect(probe.count('sup/1').factory).toBe(2);
    expect(probe.count('worker/w').factory).toBe(4); // 1 + 2 restarts + 1 fresh start under the new sup
    expect(escalations).toEqual([]);

    // Rounds 2 and 3: guardian restarts 2 and 3 of kind sup; the 3rd exceeds maxRestarts=2.
    const r2 = await overwhelm();
    expect(await r2.queued).toBe(0);
    const r3 = await overwhelm();
    expect(hasCode(r3.inflight, 'ACTOR_FAILED')).toBe(true);
    const queuedError = await rejectionOf(r3.queued);
    expect(hasCode(queuedError, 'ACTOR_FAILED')).toBe(true);

    expect(escalations).toHaveLength(1);
    expect(escalations[0]?.actor).toBe('sup/1');
    expect(hasCode(escalations[0]?.error, 'RUNTIME_FAILED')).toBe(true);
    expect(host.actors()).toEqual([]);
    const stopped = events.filter((e) => e.type === 'actor-stopped').map((e) => (e as { actor: string }).actor);
    expect(stopped.slice(-2)).toEqual(['worker/w', 'sup/1']);
    expect(probe.count('sup/1').factory).toBe(3);
  });

  it('restarts spread beyond the period do not escalate', async () => {
    const probe = new Probe();
    const time = new ManualTime();
    const { host, escalations } = testHost({
      kinds: { w: { factory: probeActor(probe, 'w'), intensity: { maxRestarts: 1, periodMs: 100 } } },
      clock: time,
      timer: time,
    });
    for (let i = 0; i < 5; i++) {
      await rejectionOf(ask(host, 'w/1', 'boom'));
      time.advance(101);
    }
    expect(escalations).toEqual([]);
    expect(probe.count('w/1').factory).toBe(6);
    await rejectionOf(ask(host, 'w/1', 'boom'));
    await rejectionOf(ask(host, 'w/1', 'boom'));
    expect(escalations.map((e) => e.actor)).toEqual(['w/1']);
  });

  it('a start hook that always throws escalates instead of looping', async () => {
    let starts = 0;
    const { host, escalations } = testHost({
      kinds: {
        bad: {
          factory: () => ({
            start() {
              starts++;
              throw new Error('cannot start');
            },
            receive: () => 'never',
          }),
          intensity: { maxRestarts: 3, periodMs: 60_000 },
        },
      },
      clock: new ManualTime(),
    });
    const error = await rejectionOf(ask(host, 'bad/1', 'hi'));
    expect(hasCode(error, 'ACTOR_FAILED')).toBe(true);
    expect(starts).toBe(4);
    expect(escalations.map((e) => e.actor)).toEqual(['bad/1']);
  });
});

import { hasCode } from '@shn/core';
import type { ActorContext, Envelope } from '@shn/core';
import { describe, expect, it } from 'vitest';
import type { ActorKindDefinition } from './actor-kind.js';
import { ManualTime, ask, envelope, gate, rejectionOf, tell, testHost } from './host-testkit.test-helper.js';
import { Probe, probeActor } from './probe-actor.test-helper.js';

describe('passivation (idleTimeoutMs)', () => {
  function idleHost(extra: Partial<ActorKindDefinition> = {}) {
    const probe = new Probe();
    const time = new ManualTime();
    const t = testHost({
      clock: time,
      timer: time,
      kinds: { s: { factory: probeActor(probe, 's'), idleTimeoutMs: 100, ...extra } },
    });
    return { probe, time, ...t };
  }

  it('stops an idle per-id actor after idleTimeoutMs without messages; the next message activates a fresh one', async () => {
    const { host, time, probe, stopped } = idleHost();
    await ask(host, 's/1', 'inc');
    time.advance(60);
    await ask(host, 's/1', 'inc'); // activity pushes the deadline out
    time.advance(60);
    expect(host.actors()).toEqual(['s/1']);
    const gone = stopped('s/1');
    time.advance(40);
    await gone;
    expect(host.actors()).toEqual([]);
    expect(probe.count('s/1')).toEqual({ factory: 1, start: 1, stop: 1 });
    expect(await ask(host, 's/1', 'get')).toBe(0);
    expect(probe.count('s/1').factory).toBe(2);
  });

  it('does not passivate while a message is still being handled', async () => {
    const { host, time, probe, stopped } = idleHost();
    const g = gate();
    const pending = ask(host, 's/1', 'wait', g.promise);
    await Promise.resolve();
    time.advance(500);
    expect(host.actors()).toEqual(['s/1']);
    expect(probe.count('s/1').stop).toBe(0);
    g.open();
    await pending;
    const gone = stopped('s/1');
    time.advance(100);
    await gone;
    expect(probe.count('s/1').stop).toBe(1);
  });

  it('a message arriving while the stop hook runs is handled by a fresh activation, not lost', async () => {
    const time = new ManualTime();
    const stopGate = gate();
    let activations = 0;
    const { host, stopped } = testHost({
      clock: time,
      timer: time,
      kinds: {
        s: {
          idleTimeoutMs: 10,
          factory: () => {
            const n = ++activations;
            return { stop: () => stopGate.promise, receive: () => n };
          },
        },
      },
    });
    expect(await ask(host, 's/1', 'x')).toBe(1);
    const gone = stopped('s/1');
    time.advance(10); // the stop hook is now awaiting stopGate
    const during = ask(host, 's/1', 'x');
    stopGate.open();
    await gone;
    expect(await during).toBe(2);
  });

  it('never passivates spawned children or per-shard actors', async () => {
    const probe = new Probe();
    const time = new ManualTime();
    const { host } = testHost({
      clock: time,
      timer: time,
      kinds: {
        p: { factory: probeActor(probe, 'p', [['c', '1']]) },
        c: { factory: probeActor(probe, 'c'), idleTimeoutMs: 5 },
        ps: { factory: probeActor(probe, 'ps'), idleTimeoutMs: 5, mode: 'per-shard' },
      },
    });
    await ask(host, 'p/1', 'get');
    await ask(host, 'c/1', 'get');
    await ask(host, 'ps/x', 'get');
    time.advance(1_000);
    expect(time.pending).toBe(0);
    expect(host.actors().sort()).toEqual(['c/1', 'p/1', 'ps/0']);
  });
});

describe('shutdown', () => {
  function tree() {
    const probe = new Probe();
    const time = new ManualTime();
    const kinds: Record<string, ActorKindDefinition> = {
      root: { factory: probeActor(probe, 'root', [['mid', 'm']]) },
      mid: { factory: probeActor(probe, 'mid', [['leaf', 'l1'], ['leaf', 'l2']]) },
      leaf: { factory: probeActor(probe, 'leaf') },
      solo: { factory: probeActor(probe, 'solo') },
    };
    return { probe, time, ...testHost({ kinds, clock: time, timer: time }) };
  }

  it('drains every mailbox, then runs stop hooks children-before-parents', async () => {
    const { host, probe, events } = tree();
    await ask(host, 'root/1', 'get');
    await ask(host, 'mid/m', 'get');
    const g = gate();
    const slow = ask(host, 'leaf/l1', 'wait', g.promise);
    const queued = [ask(host, 'leaf/l1', 'inc'), ask(host, 'leaf/l2', 'inc'), ask(host, 'solo/1', 'inc')];
    tell(host, 'leaf/l1', 'inc');
    const done = host.shutdown();
    expect(host.deliver(envelope('solo/1', 'inc'))).toBe('closed');
    g.open();
    await done;
    expect(await slow).toBe(0);
    expect(await Promise.all(queued)).toEqual([1, 1, 1]);
    const stops = probe.log.filter((l) => l.startsWith('stop:'));
    expect(stops).toHaveLength(5);
    const at = (a: string) => stops.indexOf(`stop:${a}`);
    expect(at('leaf/l1')).toBeLessThan(at('mid/m'));
    expect(at('leaf/l2')).toBeLessThan(at('mid/m'));
    expect(at('mid/m')).toBeLessThan(at('root/1'));
    expect(at('solo/1')).toBeGreaterThanOrEqual(0);
    expect(events.filter((e) => e.type === 'message-lost')).toEqual([]);
    expect(events.filter((e) => e.type === 'actor-stopped')).toHaveLength(5);
    expect(host.actors()).toEqual([]);
    expect(host.queued).toBe(0);
    expect(await host.shutdown()).toBeUndefined(); // idempotent
  });

  it('past the timeout, leftovers are rejected with RUNTIME_CLOSED and reported lost; stop hooks still run', async () => {
    const { host, probe, events, time } = tree();
    await ask(host, 'root/1', 'get');
    await ask(host, 'mid/m', 'get');
    const stuck = ask(host, 'leaf/l1', 'wait', new Promise(() => {}));
    const behind = ask(host, 'leaf/l1', 'inc');
    tell(host, 'leaf/l1', 'inc');
    await Promise.resolve();
    const done = host.shutdown({ timeoutMs: 50 });
    time.advance(49);
    expect(host.actors()).toContain('leaf/l1');
    time.advance(1);
    await done;
    for (const p of [stuck, behind]) expect(hasCode(await rejectionOf(p), 'RUNTIME_CLOSED')).toBe(true);
    expect(events.filter((e) => e.type === 'message-lost')).toHaveLength(3);
    expect(probe.log.filter((l) => l.startsWith('stop:'))).toEqual(['stop:leaf/l2', 'stop:leaf/l1', 'stop:mid/m', 'stop:root/1']);
  });

  it('rejects a bad timeout and refuses to spawn while closing', async () => {
    const { host } = tree();
    expect(hasCode(await rejectionOf(host.shutdown({ timeoutMs: -1 })), 'INVALID_ARGUMENT')).toBe(true);
    let spawnError: unknown;
    const { host: h2 } = testHost({
      kinds: {
        p: {
          factory: () => ({
            receive: (env: Envelope) => env.body as Promise<unknown>,
            stop(ctx: ActorContext) {
              try {
                ctx.spawn('p', '2');
              } catch (e) {
                spawnError = e;
              }
            },
          }),
        },
      },
    });
    await ask(h2, 'p/1', 'x', Promise.resolve(1));
    await h2.shutdown();
    expect(hasCode(spawnError, 'RUNTIME_CLOSED')).toBe(true);
  });
});

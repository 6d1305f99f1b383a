import { ShnError } from '@shn/core';
import { describe, expect, it } from 'vitest';
import type { BreakerStateChange } from './breaker-events.js';
import { breakerGroup } from './breaker-group.js';
import { formatSnapshot } from './snapshot-text.js';
import { WakeTimer } from './wake-timer.js';
import { VirtualTime } from './virtual-time.test-helper.js';

const boom = (): Promise<never> => Promise.reject(new ShnError('TRANSPORT_FAILED', 'down'));

describe('breaker group at scale', () => {
  it('10,000 destinations: one timer armed at most, no listener growth, idle breakers dropped', async () => {
    const vt = new VirtualTime();
    const group = breakerGroup({ clock: vt.clock, timer: vt.timer, consecutiveFailures: 1, openMs: 1000, idleMs: 5000 });
    const events: BreakerStateChange[] = [];
    const unsubscribe = group.subscribe({ onEvent: (e) => events.push(e) });
    expect(group.observerCount).toBe(1);
    const N = 10_000;

    // Every destination gets a call; every 10th fails and trips its breaker open.
    for (let i = 0; i < N; i++) {
      const b = group.get(`node-${i}`);
      await (i % 10 === 0 ? b.run(boom).catch(() => undefined) : b.run(() => i));
    }
    expect(group.size).toBe(N);
    expect(events.filter((e) => e.to === 'open')).toHaveLength(N / 10);
    expect(vt.maxArmed).toBe(1); // one wake-up timer, however many breakers and open periods
    expect(vt.armed).toBe(1);
    expect(group.observerCount).toBe(1);
    expect(group.wake.clients).toBe(1);
    for (const b of [group.get('node-0'), group.get('node-1')]) expect(b.observerCount).toBe(0);

    // The open periods end: the one timer turns all 1,000 half-open, with no traffic.
    await vt.advance(1000);
    expect(events.filter((e) => e.to === 'half-open')).toHaveLength(N / 10);
    expect(vt.maxArmed).toBe(1);

    // Idle: closed breakers are dropped after idleMs; half-open ones are kept (they know the destination failed).
    await vt.advance(5000);
    expect(group.size).toBe(N / 10);
    expect(group.evicted).toBe(N - N / 10);
    // A trial succeeds on each: they close, and are dropped once idle in turn.
    for (let i = 0; i < N; i += 10) await group.get(`node-${i}`).run(() => 'ok');
    await vt.advance(5000);
    expect(group.size).toBe(0);
    expect(vt.armed).toBe(0); // nothing left to wake for: no timer holds the process
    expect(vt.maxArmed).toBe(1);

    // Creating and dropping another 10,000 leaves the listener count exactly where it was.
    for (let i = 0; i < N; i++) await group.get(`again-${i}`).run(() => i);
    await vt.advance(6000);
    expect(group.size).toBe(0);
    expect(group.observerCount).toBe(1);
    expect(group.wake.clients).toBe(1);
    expect(vt.maxArmed).toBe(1);
    unsubscribe();
    expect(group.observerCount).toBe(0);
    group.close();
    expect(group.wake.clients).toBe(0);
  });

  it('several groups can share one wake-up timer', async () => {
    const vt = new VirtualTime();
    const wake = new WakeTimer({ timer: vt.timer, clock: vt.clock });
    const a = breakerGroup({ clock: vt.clock, wake, consecutiveFailures: 1, openMs: 100 });
    const b = breakerGroup({ clock: vt.clock, wake, consecutiveFailures: 1, openMs: 300 });
    await a.run('x', boom).catch(() => undefined);
    await b.run('y', boom).catch(() => undefined);
    expect(vt.maxArmed).toBe(1);
    await vt.advance(100);
    expect(a.get('x').snapshot().state).toBe('half-open');
    expect(b.get('y').snapshot().state).toBe('open');
    await vt.advance(200);
    expect(b.get('y').snapshot().state).toBe('half-open');
    expect(vt.maxArmed).toBe(1);
    a.close();
    b.close();
  });

  it('snapshot() lists every breaker by destination, and maxBreakers bounds memory', async () => {
    const vt = new VirtualTime();
    const g = breakerGroup({ clock: vt.clock, timer: vt.timer, maxBreakers: 2, idleMs: 10, consecutiveFailures: 1 });
    await g.run('b', () => 1);
    await g.run('a', boom).catch(() => undefined);
    expect(g.snapshot().map((s) => [s.destination, s.state])).toEqual([
      ['a', 'open'],
      ['b', 'closed'],
    ]);
    expect([g.stateOf('a'), g.stateOf('b'), g.stateOf('never-seen')]).toEqual(['open', 'closed', 'closed']);
    expect(g.peek('never-seen')).toBeUndefined();
    expect(g.snapshot().map(formatSnapshot)).toEqual([
      'state=open,reason=consecutive-failures,calls=0,failure_rate=0.000,slow_call_rate=0.000,in_flight=0,trips=1,retry_in_ms=5000',
      'state=closed,reason=created,calls=1,failure_rate=0.000,slow_call_rate=0.000,in_flight=0,trips=0,retry_in_ms=0',
    ]);
    // Full: the closed idle one makes room; the open one is kept.
    await vt.advance(10);
    g.get('c');
    expect(g.snapshot().map((s) => s.destination)).toEqual(['a', 'c']);
    let hold!: () => void;
    const busy = g.run('c', () => new Promise<void>((r) => (hold = r)));
    expect(() => g.get('d')).toThrowError(expect.objectContaining({ code: 'OVERLOADED', message: expect.stringContaining('maxBreakers') }));
    hold();
    await busy;
    g.close();
    expect(() => g.get('e')).toThrowError(expect.objectContaining({ code: 'RUNTIME_CLOSED' }));
  });

  it('an observer that throws does not break the breaker; it is counted', async () => {
    const g = breakerGroup({ consecutiveFailures: 1 });
    g.subscribe({
      onEvent: () => {
        throw new Error('bad observer');
      },
    });
    await g.run('x', boom).catch(() => undefined);
    expect(g.get('x').state).toBe('open');
    expect(g.observerErrors).toBe(1);
    g.close();
  });
});

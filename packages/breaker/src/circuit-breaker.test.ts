import { ShnError, hasCode } from '@shn/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BreakerStateChange } from './breaker-events.js';
import { breakerGroup } from './breaker-group.js';
import { defaultIsFailure } from './breaker-options.js';
import { circuitBreaker } from './circuit-breaker.js';
import { VirtualTime } from './virtual-time.test-helper.js';

const boom = (): Promise<never> => Promise.reject(new ShnError('ACTOR_FAILED', 'boom'));
const ok = (): Promise<string> => Promise.resolve('ok');

function recorder(): { events: BreakerStateChange[]; onEvent: (e: BreakerStateChange) => void } {
  const events: BreakerStateChange[] = [];
  return { events, onEvent: (e) => events.push(e) };
}

describe('a breaker’s life on a virtual clock', () => {
  it('opens on the failure rate, rejects fast, goes half-open on the shared timer, trials, closes', async () => {
    const vt = new VirtualTime();
    const group = breakerGroup({ clock: vt.clock, timer: vt.timer, minimumCalls: 4, failureRateThreshold: 0.5, openMs: 1000 });
    const rec = recorder();
    group.subscribe(rec);
    const b = group.get('shard:1');

    // Closed: two successes, then failures until the rate reaches 0.5 past 4 calls.
    await b.run(ok);
    await b.run(ok);
    await expect(b.run(boom)).rejects.toMatchObject({ code: 'ACTOR_FAILED' });
    expect(b.state).toBe('closed'); // 3 calls < minimumCalls
    await expect(b.run(boom)).rejects.toMatchObject({ code: 'ACTOR_FAILED' });
    expect(b.state).toBe('open');
    expect(rec.events).toEqual([
      expect.objectContaining({ destination: 'shard:1', from: 'closed', to: 'open', reason: 'failure-rate', openMs: 1000, calls: 4, failureRate: 0.5 }),
    ]);

    // Open: fails fast with CIRCUIT_OPEN naming the destination; the call is never made.
    let called = 0;
    const err = await b.run(() => ++called).catch((e: unknown) => e);
    expect(hasCode(err, 'CIRCUIT_OPEN')).toBe(true);
    expect((err as ShnError).message).toContain('shard:1');
    expect((err as ShnError).details).toMatchObject({ destination: 'shard:1', state: 'open', retryInMs: 1000 });
    expect(called).toBe(0);

    // The open period elapses: the group's one timer turns it half-open without any traffic.
    expect(vt.armed).toBe(1);
    await vt.advance(999);
    expect(rec.events).toHaveLength(1);
    await vt.advance(1);
    expect(rec.events.at(-1)).toMatchObject({ from: 'open', to: 'half-open', reason: 'open-period-elapsed' });
    expect(b.snapshot().state).toBe('half-open');

    // Half-open: exactly one trial goes through; a concurrent second call is refused.
    let release!: () => void;
    const trial = b.run(() => new Promise<string>((r) => (release = () => r('trial'))));
    await expect(b.run(ok)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN', details: { state: 'half-open' } });
    release();
    await expect(trial).resolves.toBe('trial');
    expect(b.state).toBe('closed');
    expect(rec.events.at(-1)).toMatchObject({ from: 'half-open', to: 'closed', reason: 'trials-succeeded' });
    await expect(b.run(ok)).resolves.toBe('ok');
    group.close();
  });

  it('a failed trial re-opens with an open period that backs off, capped, and resets on close', async () => {
    const vt = new VirtualTime();
    const b = circuitBreaker('api', { clock: vt.clock, consecutiveFailures: 1, openMs: 100, backoffMultiplier: 3, maxOpenMs: 500 });
    const rec = recorder();
    b.subscribe(rec);
    await b.run(boom).catch(() => undefined);
    const periods: number[] = [];
    for (let i = 0; i < 4; i++) {
      const open = rec.events.at(-1) as BreakerStateChange;
      expect(open.to).toBe('open');
      periods.push(open.openMs as number);
      await vt.advance(open.openMs as number);
      expect(b.state).toBe('half-open'); // lazily, on read: a standalone breaker owns no timer
      await b.run(boom).catch(() => undefined);
      expect(rec.events.at(-1)).toMatchObject({ to: 'open', reason: 'trial-failed' });
    }
    periods.push(rec.events.at(-1)?.openMs as number);
    expect(periods).toEqual([100, 300, 500, 500, 500]);
    expect(vt.created).toBe(0);
    await vt.advance(500);
    await b.run(ok);
    expect(b.state).toBe('closed');
    await b.run(boom).catch(() => undefined);
    expect(rec.events.at(-1)?.openMs).toBe(100);
  });

  it('trips on the slow-call rate even when every call succeeds', async () => {
    const vt = new VirtualTime();
    const b = circuitBreaker('slow-db', { clock: vt.clock, minimumCalls: 4, slowCallMs: 100, slowCallRateThreshold: 0.5 });
    const rec = recorder();
    b.subscribe(rec);
    const call = (ms: number): Promise<string> => b.run(() => new Promise<string>((r) => vt.timer.setTimeout(() => r('done'), ms)));
    const fast = call(10);
    await vt.advance(10);
    await fast;
    const slow1 = call(150);
    await vt.advance(150);
    await slow1;
    const fast2 = call(100); // exactly the threshold: not slow (slow means longer than slowCallMs)
    await vt.advance(100);
    await fast2;
    expect(b.state).toBe('closed');
    const slow2 = call(101);
    await vt.advance(101);
    await expect(slow2).resolves.toBe('done');
    expect(b.state).toBe('open');
    expect(rec.events[0]).toMatchObject({ reason: 'slow-call-rate', slowCallRate: 0.5, failureRate: 0, calls: 4 });
  });

  it('trips on consecutive failures before the window has its minimum volume', async () => {
    const b = circuitBreaker('x', { consecutiveFailures: 3, minimumCalls: 100 });
    for (let i = 0; i < 2; i++) await b.run(boom).catch(() => undefined);
    await b.run(ok);
    for (let i = 0; i < 2; i++) await b.run(boom).catch(() => undefined);
    expect(b.state).toBe('closed');
    await b.run(boom).catch(() => undefined);
    expect(b.state).toBe('open');
  });

  it('does not count errors isFailure rejects, nor outcomes of calls started before a state change', async () => {
    const vt = new VirtualTime();
    const b = circuitBreaker('x', { clock: vt.clock, minimumCalls: 2, openMs: 10 });
    for (let i = 0; i < 5; i++) await b.run(() => Promise.reject(new ShnError('INVALID_ARGUMENT', 'caller bug'))).catch(() => undefined);
    expect(b.snapshot()).toMatchObject({ state: 'closed', calls: 0 });
    let lateFail!: () => void;
    const late = b.run(() => new Promise((_, rej) => (lateFail = () => rej(new Error('late')))));
    await b.run(boom).catch(() => undefined);
    await b.run(boom).catch(() => undefined);
    expect(b.state).toBe('open');
    await vt.advance(10);
    expect(b.state).toBe('half-open');
    lateFail();
    await late.catch(() => undefined);
    expect(b.state).toBe('half-open'); // the stale failure was not taken as a failed trial
    expect(b.inFlight).toBe(0);
  });

  it('by default, local refusals, caller mistakes and backpressure are not failures of the destination', () => {
    for (const code of ['INVALID_ARGUMENT', 'CANCELLED', 'CIRCUIT_OPEN', 'BULKHEAD_FULL', 'MAILBOX_FULL'] as const) {
      expect(defaultIsFailure(new ShnError(code, 'x'))).toBe(false);
    }
    for (const code of ['TIMEOUT', 'ACTOR_FAILED', 'SHARD_CRASHED', 'DEADLINE_EXCEEDED', 'TRANSPORT_FAILED'] as const) {
      expect(defaultIsFailure(new ShnError(code, 'x'))).toBe(true);
    }
    expect(defaultIsFailure(new Error('plain'))).toBe(true);
  });

  it('isolate() holds it open until reset()', async () => {
    const b = circuitBreaker('maint');
    b.isolate();
    await expect(b.run(ok)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN', message: expect.stringContaining('isolated') });
    b.reset();
    await expect(b.run(ok)).resolves.toBe('ok');
  });

  it('wrap() guards a plain async function', async () => {
    const b = circuitBreaker('fn', { consecutiveFailures: 1 });
    const add = b.wrap(async (a: number, c: number) => {
      if (a < 0) throw new Error('negative');
      return a + c;
    });
    expect(await add(1, 2)).toBe(3);
    await expect(add(-1, 2)).rejects.toThrow('negative');
    await expect(add(1, 2)).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
  });

  it('a count window forgets calls beyond its size', async () => {
    const b = circuitBreaker('c', { window: { kind: 'count', size: 4 }, minimumCalls: 4, failureRateThreshold: 0.75 });
    for (const f of [true, true, false, false, false, false, true, true]) await b.run(f ? boom : ok).catch(() => undefined);
    expect(b.snapshot()).toMatchObject({ calls: 4, failures: 2, state: 'closed' });
    await b.run(boom).catch(() => undefined);
    expect(b.state).toBe('open');
  });

  it('a time window forgets calls older than its length', async () => {
    const vt = new VirtualTime();
    const b = circuitBreaker('t', { clock: vt.clock, window: { kind: 'time', ms: 1000, buckets: 10 }, minimumCalls: 3 });
    await b.run(boom).catch(() => undefined);
    await b.run(boom).catch(() => undefined);
    await vt.advance(1000);
    expect(b.snapshot().calls).toBe(0);
    await b.run(boom).catch(() => undefined);
    expect(b.state).toBe('closed');
  });
});

describe('bad options are refused at construction with INVALID_ARGUMENT naming the option', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['failureRateThreshold', { failureRateThreshold: 1.5 }],
    ['failureRateThreshold', { failureRateThreshold: 0 }],
    ['failureRateThreshold', { failureRateThreshold: Number.NaN }],
    ['slowCallRateThreshold', { slowCallRateThreshold: -0.1 }],
    ['minimumCalls', { minimumCalls: -1 }],
    ['minimumCalls', { minimumCalls: 2.5 }],
    ['minimumCalls', { window: { kind: 'count', size: 5 }, minimumCalls: 6 }],
    ['openMs', { openMs: Infinity }],
    ['openMs', { openMs: 0 }],
    ['maxOpenMs', { openMs: 1000, maxOpenMs: 10 }],
    ['slowCallMs', { slowCallMs: Infinity }],
    ['halfOpenCalls', { halfOpenCalls: 0 }],
    ['consecutiveFailures', { consecutiveFailures: 0 }],
    ['backoffMultiplier', { backoffMultiplier: 0.5 }],
    ['window', { window: { kind: 'sliding' } }],
    ['window.ms', { window: { kind: 'time', ms: -5 } }],
    ['window.size', { window: { kind: 'count', size: 0 } }],
    ['isFailure', { isFailure: 'yes' }],
  ];
  it.each(cases)('%s: %j', (option, opts) => {
    let err: unknown;
    try {
      circuitBreaker('x', opts);
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, 'INVALID_ARGUMENT')).toBe(true);
    expect((err as Error).message).toContain(option);
  });
  it('refuses a bad destination and group options', () => {
    expect(() => circuitBreaker('')).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => breakerGroup({ idleMs: Number.POSITIVE_INFINITY })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('idleMs') }));
    expect(() => breakerGroup({ maxBreakers: 0 })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

type Op =
  | { readonly kind: 'start' }
  | { readonly kind: 'finish'; readonly pick: number; readonly outcome: 'ok' | 'fail' | 'ignored'; readonly slow: boolean }
  | { readonly kind: 'wait'; readonly ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Op>({ kind: 'start' }) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant('finish' as const), pick: fc.nat(), outcome: fc.constantFrom('ok', 'fail', 'ignored' as const), slow: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 400 }) }) },
);

describe('laws over random call outcomes and times', () => {
  it('never more than halfOpenCalls trials in flight while half-open; open always refuses; in-flight is exact', () => {
    let trialsSeen = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(opArb, { minLength: 20, maxLength: 300, size: 'large' }), (halfOpenCalls, ops) => {
        let t = 0;
        const clock = { now: () => 1e12 + t, monotonic: () => t };
        const b = circuitBreaker('p', {
          clock,
          halfOpenCalls,
          minimumCalls: 3,
          openMs: 100,
          slowCallMs: 50,
          slowCallRateThreshold: 0.8,
          isFailure: (e) => (e as Error).message !== 'ignored',
        });
        const inflight: { token: number; start: number; trial: boolean }[] = [];
        let halfOpenToken = -1;
        for (const op of ops) {
          if (op.kind === 'wait') t += op.ms;
          else if (op.kind === 'start') {
            const before = b.state;
            try {
              const token = b.acquire();
              if (before === 'open') return false; // an open breaker let a call through
              const trial = before === 'half-open';
              if (trial) halfOpenToken = token;
              inflight.push({ token, start: t, trial });
            } catch (e) {
              if (!hasCode(e, 'CIRCUIT_OPEN')) return false;
              if (before === 'closed') return false; // a closed breaker refused
            }
          } else if (inflight.length > 0) {
            const [c] = inflight.splice(op.pick % inflight.length, 1);
            if (c === undefined) return false;
            if (op.slow) t += 60;
            b.release(c.token, c.start, op.outcome === 'ignored' ? new Error('ignored') : new Error('x'), op.outcome !== 'ok');
          }
          const s = b.snapshot();
          if (s.inFlight !== inflight.length) return false;
          if (s.state === 'half-open') {
            const trials = inflight.filter((c) => c.trial && c.token === halfOpenToken).length;
            if (trials > halfOpenCalls) return false;
            trialsSeen = Math.max(trialsSeen, trials);
          }
        }
        return true;
      }),
      { numRuns: 300 },
    );
    expect(trialsSeen).toBeGreaterThan(1); // the generator does reach half-open with several trials in flight
  });

  it('half-open trials admitted per episode never exceed halfOpenCalls plus ignored ones', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.array(opArb, { minLength: 20, maxLength: 300, size: 'large' }), (halfOpenCalls, ops) => {
        let t = 0;
        const clock = { now: () => t, monotonic: () => t };
        const b = circuitBreaker('p', { clock, halfOpenCalls, consecutiveFailures: 2, openMs: 50, isFailure: (e) => (e as Error).message !== 'ignored' });
        const rec: BreakerStateChange[] = [];
        b.subscribe({ onEvent: (e) => rec.push(e) });
        const inflight: { token: number; start: number }[] = [];
        let episode = -1;
        let admitted = 0;
        let ignored = 0;
        for (const op of ops) {
          if (op.kind === 'wait') t += op.ms;
          else if (op.kind === 'start') {
            try {
              const token = b.acquire();
              if (b.state === 'half-open') {
                if (episode !== rec.length) {
                  episode = rec.length;
                  admitted = 0;
                  ignored = 0;
                }
                admitted++;
                if (admitted - ignored > halfOpenCalls) return false;
              }
              inflight.push({ token, start: t });
            } catch {
              // refused
            }
          } else if (inflight.length > 0) {
            const [c] = inflight.splice(op.pick % inflight.length, 1);
            if (c === undefined) return false;
            const wasHalfOpen = b.state === 'half-open' && episode === rec.length;
            b.release(c.token, c.start, new Error(op.outcome === 'ignored' ? 'ignored' : 'x'), op.outcome !== 'ok');
            if (wasHalfOpen && op.outcome === 'ignored' && b.state === 'half-open' && episode === rec.length) ignored++;
          }
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it('the count and time windows agree with a model of the last calls', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ dt: fc.integer({ min: 0, max: 300 }), fail: fc.boolean() }), { maxLength: 200, size: 'large' }),
        fc.integer({ min: 1, max: 20 }),
        (calls, size) => {
          let t = 0;
          const clock = { now: () => t, monotonic: () => t };
          const never = { failureRateThreshold: 1, minimumCalls: size, isFailure: () => true, clock };
          const byCount = circuitBreaker('c', { ...never, window: { kind: 'count', size } });
          const byTime = circuitBreaker('t', { ...never, minimumCalls: 1000, window: { kind: 'time', ms: 1000, buckets: 10 } });
          const history: { at: number; fail: boolean }[] = [];
          for (const c of calls) {
            t += c.dt;
            history.push({ at: t, fail: c.fail });
            for (const b of [byCount, byTime]) {
              if (b.state !== 'closed') b.reset();
              b.release(b.acquire(), t, new Error('x'), c.fail);
            }
            if (byCount.state !== 'closed') {
              // Tripped at 100 % failures of the last `size` calls: check, then start over like the breaker.
              if (!history.slice(-size).every((h) => h.fail) || history.length < size) return false;
              history.length = 0;
              byCount.reset();
              continue;
            }
            const last = history.slice(-size);
            const s = byCount.snapshot();
            if (s.calls !== last.length || s.failures !== last.filter((h) => h.fail).length) return false;
          }
          // The time window holds the calls of the last 900-1000 ms: whole 100 ms buckets.
          const tw = byTime.snapshot();
          const head = Math.floor(t / 100);
          const inWindow = calls.length === 0 ? 0 : countSince(calls, (head - 9) * 100);
          return tw.calls === inWindow;
        },
      ),
      { numRuns: 300 },
    );
  });
});

function countSince(calls: readonly { dt: number }[], from: number): number {
  let t = 0;
  let n = 0;
  for (const c of calls) {
    t += c.dt;
    if (t >= from) n++;
  }
  return n;
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf, virtualClock } from '../virtual-clock.test-helper.js';
import { AdmissionControl } from './admission-control.js';
import type { Admission } from './admission-control.js';

describe('AdmissionControl', () => {
  it('limits each connection to its token bucket with RATE_LIMITED and a BUSY reply', () => {
    const clock = virtualClock(0);
    const ac = new AdmissionControl({ perConnection: { ratePerSec: 100, burst: 3 }, clock });
    const a = ac.connection();
    const b = ac.connection();
    const results = Array.from({ length: 5 }, () => a.admit());
    expect(results.map((r) => r.admitted)).toEqual([true, true, true, false, false]);
    const refused = results[3] as Extract<Admission, { admitted: false }>;
    expect(refused.error.code).toBe('RATE_LIMITED');
    expect(refused.reply).toMatch(/^BUSY rate limit of 100 requests\/s per connection \(burst 3\) exceeded; retry in 10 ms$/);
    expect(b.admit().admitted).toBe(true); // another connection has its own bucket
    clock.advance(10);
    expect(a.admit().admitted).toBe(true);
    expect(ac.counters).toMatchObject({ admitted: 5, rateLimited: 2, shed: 0 });
  });

  it('builds a refusal\'s ShnError only when read, once, with the reply\'s message', () => {
    const clock = virtualClock();
    const a = new AdmissionControl({ perConnection: { ratePerSec: 1, burst: 1 }, concurrency: { algorithm: 'fixed', limit: 1 }, clock }).connection();
    expect(a.admit().admitted).toBe(true);
    const rateLimited = a.admit();
    if (rateLimited.admitted) throw new Error('expected a refusal');
    const before = Error.stackTraceLimit;
    expect(rateLimited.error).toBe(rateLimited.error);
    expect(rateLimited.error.code).toBe('RATE_LIMITED');
    expect(rateLimited.reply).toBe(`BUSY ${rateLimited.error.message}`);
    expect(rateLimited.error.details).toMatchObject({ ratePerSec: 1, burst: 1 });
    expect(Error.stackTraceLimit).toBe(before);
    const shed = new AdmissionControl({ concurrency: { algorithm: 'fixed', limit: 1 }, clock }).connection();
    expect(shed.admit().admitted).toBe(true);
    const over = shed.admit();
    if (over.admitted) throw new Error('expected a refusal');
    expect(over.error.code).toBe('OVERLOADED');
    expect(over.reply).toBe('BUSY server overloaded: 1 requests in flight, limit 1');
    expect(over.error.details).toEqual({ inflight: 1, limit: 1 });
  });

  it('asks a flooding connection to pause reading once its BUSY budget is spent', () => {
    const clock = virtualClock(0);
    const ac = new AdmissionControl({ perConnection: { ratePerSec: 1000, burst: 2, busyRatePerSec: 1000 }, concurrency: { algorithm: 'fixed', limit: 100 }, clock });
    const a = ac.connection();
    const r = Array.from({ length: 6 }, () => a.admit());
    // 2 admitted (burst), 2 refused within the BUSY budget (its burst is 2), then pauses.
    expect(r.map((x) => (x.admitted ? 'ok' : x.pauseMs > 0 ? 'pause' : 'busy'))).toEqual(['ok', 'ok', 'busy', 'busy', 'pause', 'pause']);
    const paused = r[4] as Extract<Admission, { admitted: false }>;
    expect(paused.pauseMs).toBe(1); // until the next token, rounded up to whole ms
    expect(ac.counters.paused).toBe(2);
    clock.advance(1);
    expect(a.admit().admitted).toBe(true);
  });

  it('sheds with OVERLOADED beyond the global limit, frees the slot on done(), and never double-counts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.oneof(fc.constant('admit' as const), fc.nat()), { maxLength: 200 }), (limit, ops) => {
        const ac = new AdmissionControl({ concurrency: { algorithm: 'fixed', limit }, clock: virtualClock(0) });
        const conn = ac.connection();
        const open: Extract<Admission, { admitted: true }>[] = [];
        for (const op of ops) {
          if (op === 'admit') {
            const r = conn.admit();
            expect(r.admitted).toBe(open.length < limit);
            if (r.admitted) open.push(r);
            else {
              expect(r.error.code).toBe('OVERLOADED');
              expect(r.reply.startsWith('BUSY server overloaded')).toBe(true);
            }
          } else if (open.length > 0) {
            const r = open.splice(op % open.length, 1)[0] as Extract<Admission, { admitted: true }>;
            r.done();
            r.done('dropped');
          }
          expect(ac.inflight).toBe(open.length);
        }
        expect(ac.counters.admitted + ac.counters.shed).toBe(ops.filter((o) => o === 'admit').length);
      }),
    );
  });

  it('adapts the global limit with gradient2 when latency jumps (before its long window absorbs the change)', () => {
    const clock = virtualClock(0);
    const ac = new AdmissionControl({ concurrency: { algorithm: 'gradient2', initialLimit: 50, minLimit: 4, maxLimit: 100 }, window: false, clock });
    const conn = ac.connection();
    const round = (rttMs: number) => {
      const open: Extract<Admission, { admitted: true }>[] = [];
      for (let i = 0; i < ac.limit; i++) {
        const r = conn.admit();
        if (r.admitted) open.push(r);
      }
      clock.advance(rttMs);
      for (const r of open) r.done();
    };
    for (let i = 0; i < 20; i++) round(2);
    const before = ac.limit;
    expect(before).toBe(100);
    round(20);
    expect(ac.limit).toBeLessThan(before * 0.75);
  });

  it('admits everything without stages, and rejects bad options with INVALID_ARGUMENT', () => {
    const open = new AdmissionControl().connection();
    for (let i = 0; i < 1000; i++) expect(open.admit().admitted).toBe(true);
    expect(codeOf(() => new AdmissionControl({ perConnection: { ratePerSec: -1, burst: 1 } }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => new AdmissionControl({ perConnection: { ratePerSec: 1, burst: 0 } }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => new AdmissionControl({ concurrency: { algorithm: 'fixed', limit: 0 } }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => new AdmissionControl({ concurrency: { algorithm: 'magic' } as never }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => new AdmissionControl({ concurrency: { algorithm: 'aimd', backoffRatio: 3 } }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => new AdmissionControl({ perConnection: { ratePerSec: 1, burst: 1, busyRatePerSec: -1 } }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => new AdmissionControl({ overloadPauseMs: 0 }))).toBe('INVALID_ARGUMENT');
  });
});

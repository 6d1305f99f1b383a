import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hasCode, seededRng } from '@shn/core';
import { parseChaosRules, resolveChaosRules } from './chaos-rule.js';
import { MAX_CHAOS_DELAY_MS, sampleLatency, validateLatencyDistribution } from './latency-distribution.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return hasCode(e, 'INVALID_ARGUMENT') ? 'INVALID_ARGUMENT' : String(e);
  }
}

describe('chaos rules', () => {
  it('fills in default hooks per action', () => {
    const r = resolveChaosRules([
      { action: { kind: 'latency', delay: { kind: 'fixed', ms: 1 } } },
      { action: { kind: 'drop' } },
      { action: { kind: 'duplicate' } },
      { action: { kind: 'error', code: 'TIMEOUT' } },
    ]);
    expect(r.map((x) => [...x.hooks])).toEqual([['receive'], ['send', 'ask'], ['receive'], ['send', 'ask']]);
    expect(r.map((x) => x.name)).toEqual(['rule0', 'rule1', 'rule2', 'rule3']);
  });

  it.each([
    ['not an array', {}],
    ['no action', [{}]],
    ['unknown action', [{ action: { kind: 'explode' } }]],
    ['probability > 1', [{ probability: 1.5, action: { kind: 'drop' } }]],
    ['probability NaN', [{ probability: NaN, action: { kind: 'drop' } }]],
    ['bad hook', [{ hooks: ['deliver'], action: { kind: 'drop' } }]],
    ['empty hooks', [{ hooks: [], action: { kind: 'drop' } }]],
    ['duplicate in ask', [{ hooks: ['ask'], action: { kind: 'duplicate' } }]],
    ['copies 0', [{ action: { kind: 'duplicate', copies: 0 } }]],
    ['unknown code', [{ action: { kind: 'error', code: 'OOPS' } }]],
    ['negative shard', [{ match: { shards: [-1] }, action: { kind: 'drop' } }]],
    ['types not strings', [{ match: { types: [1] }, action: { kind: 'drop' } }]],
    ['predicate not a function', [{ match: { predicate: 'x' }, action: { kind: 'drop' } }]],
    ['negative latency', [{ action: { kind: 'latency', delay: { kind: 'fixed', ms: -1 } } }]],
    ['min > max', [{ action: { kind: 'latency', delay: { kind: 'uniform', minMs: 5, maxMs: 1 } } }]],
    ['unknown distribution', [{ action: { kind: 'latency', delay: { kind: 'pareto' } } }]],
  ])('rejects %s with INVALID_ARGUMENT', (_, rules) => {
    expect(code(() => resolveChaosRules(rules))).toBe('INVALID_ARGUMENT');
  });

  it('parses JSON rules and rejects text that is not JSON', () => {
    expect(parseChaosRules('[{"action":{"kind":"drop"},"probability":0.1}]')[0]?.probability).toBe(0.1);
    expect(code(() => parseChaosRules('[{'))).toBe('INVALID_ARGUMENT');
  });

  it('every distribution stays within its bounds and is reproducible per seed', () => {
    const dist = fc.oneof(
      fc.record({ kind: fc.constant('fixed'), ms: fc.double({ min: 0, max: 1000, noNaN: true }) }),
      fc.tuple(fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true })).map(([a, b]) => ({ kind: 'uniform', minMs: Math.min(a, b), maxMs: Math.max(a, b) })),
      fc.record({ kind: fc.constant('exponential'), meanMs: fc.double({ min: 0, max: 100, noNaN: true }) }),
      fc.record({ kind: fc.constant('normal'), meanMs: fc.double({ min: 0, max: 100, noNaN: true }), stddevMs: fc.double({ min: 0, max: 50, noNaN: true }) }),
    );
    fc.assert(
      fc.property(dist, fc.integer(), (raw, seed) => {
        const d = validateLatencyDistribution(raw);
        const a = seededRng(seed);
        const b = seededRng(seed);
        for (let i = 0; i < 20; i++) {
          const x = sampleLatency(d, a);
          expect(x).toBe(sampleLatency(d, b));
          expect(x).toBeGreaterThanOrEqual(0);
          expect(x).toBeLessThanOrEqual(MAX_CHAOS_DELAY_MS);
          if (d.kind === 'uniform') expect(x >= d.minMs && x <= d.maxMs).toBe(true);
          if (d.kind === 'exponential') expect(x).toBeLessThanOrEqual(d.meanMs * 10);
          if (d.kind === 'normal') expect(x).toBeLessThanOrEqual(d.meanMs + 4 * d.stddevMs + 1e-9);
        }
      }),
    );
  });
});

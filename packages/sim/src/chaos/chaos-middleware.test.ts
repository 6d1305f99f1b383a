import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compose, hasCode, seededRng } from '@shn/core';
import type { Envelope , ShnError} from '@shn/core';
import { chaosMiddleware } from './chaos-middleware.js';
import type { ChaosRule } from './chaos-rule.js';
import { ReplayTime } from '../replay-real/replay-time.js';

function env(i: number, o: { type?: string; kind?: string; shard?: number; ask?: boolean; deadline?: number } = {}): Envelope {
  return {
    id: `e${i}`,
    to: { node: 'n', shard: o.shard ?? 0, actor: `${o.kind ?? 'kv'}/${i}` },
    type: o.type ?? 'set',
    body: i,
    headers: {},
    ...(o.ask === true ? { correlationId: String(i) } : {}),
    ...(o.deadline === undefined ? {} : { deadline: o.deadline }),
  };
}

const envArb = fc.record({
  type: fc.constantFrom('get', 'set', 'del'),
  kind: fc.constantFrom('kv', 'room'),
  shard: fc.integer({ min: 0, max: 3 }),
  ask: fc.boolean(),
});

const ruleArb: fc.Arbitrary<ChaosRule> = fc.record({
  probability: fc.double({ min: 0, max: 1, noNaN: true }),
  match: fc.record({ types: fc.subarray(['get', 'set', 'del'], { minLength: 1 }), shards: fc.subarray([0, 1, 2, 3], { minLength: 1 }) }, { requiredKeys: [] }),
  action: fc.oneof(
    fc.constant({ kind: 'drop' as const }),
    fc.record({ kind: fc.constant('duplicate' as const), copies: fc.integer({ min: 1, max: 3 }) }),
    fc.record({ kind: fc.constant('latency' as const), delay: fc.constant({ kind: 'uniform' as const, minMs: 0, maxMs: 10 }) }),
  ),
  hooks: fc.constant(['send', 'receive'] as const),
});

/** Runs envelopes through send and receive hooks; returns the trace of deliveries and the stats. */
async function trace(rules: readonly ChaosRule[], seed: number, envs: readonly Envelope[]): Promise<{ log: string[]; dropped: number; duplicated: number }> {
  const time = new ReplayTime(0);
  const mw = chaosMiddleware(rules, { rng: seededRng(seed), clock: time, timer: time });
  const log: string[] = [];
  const recv = compose([mw], 'receive', (e) => {
    log.push(`recv ${e.id} @${time.now()}`);
    return e.body;
  });
  const send = compose([mw], 'send', (e): 'accepted' => {
    log.push(`send ${e.id} @${time.now()}`);
    void recv(e);
    return 'accepted';
  });
  for (const e of envs) send(e);
  await time.advanceTo(1_000);
  const s = mw.stats();
  return { log, dropped: s.dropped, duplicated: s.duplicated };
}

describe('chaosMiddleware', () => {
  it('makes the same decisions for the same seed and envelope sequence', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(ruleArb, { maxLength: 4 }), fc.array(envArb, { maxLength: 40 }), fc.integer(), async (rules, specs, seed) => {
        const envs = specs.map((s, i) => env(i, s));
        const a = await trace(rules, seed, envs);
        expect(a).toEqual(await trace(rules, seed, envs));
      }),
      { numRuns: 100 },
    );
  });

  it('a dropped tell still answers accepted, and sent = delivered + dropped', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 200 }), fc.integer(), (p, count, seed) => {
        const mw = chaosMiddleware([{ action: { kind: 'drop' }, probability: p }], { rng: seededRng(seed) });
        let delivered = 0;
        const send = compose([mw], 'send', (): 'accepted' => {
          delivered++;
          return 'accepted';
        });
        for (let i = 0; i < count; i++) expect(send(env(i))).toBe('accepted');
        expect(delivered + mw.stats().dropped).toBe(count);
        if (p === 0) expect(mw.stats().dropped).toBe(0);
        if (p === 1) expect(delivered).toBe(0);
      }),
    );
  });

  it('applies a rule exactly to the envelopes it matches', () => {
    fc.assert(
      fc.property(fc.array(envArb, { maxLength: 50 }), (specs) => {
        const mw = chaosMiddleware(
          [{ match: { types: ['get'], kinds: ['kv'], shards: [1, 2], asks: false }, hooks: ['send'], action: { kind: 'drop' } }],
          { rng: seededRng(1) },
        );
        const seen = new Set<string>();
        const send = compose([mw], 'send', (e): 'accepted' => {
          seen.add(e.id);
          return 'accepted';
        });
        specs.forEach((s, i) => {
          const e = env(i, s);
          send(e);
          const matches = s.type === 'get' && s.kind === 'kv' && (s.shard === 1 || s.shard === 2) && !s.ask;
          expect(seen.has(e.id)).toBe(!matches);
        });
      }),
    );
  });

  it('duplicates on receive run the handler 1 + copies times and reply with the first result', async () => {
    const mw = chaosMiddleware([{ action: { kind: 'duplicate', copies: 2 } }], { rng: seededRng(3) });
    let calls = 0;
    const sync = compose([mw], 'receive', () => ++calls);
    expect(sync(env(1))).toBe(1);
    expect(calls).toBe(3);
    const async = compose([mw], 'receive', async () => ++calls);
    await expect(async(env(2))).resolves.toBe(4);
    expect(calls).toBe(6);
    expect(mw.stats().duplicated).toBe(4);
  });

  it('duplicates a tell on send', () => {
    const mw = chaosMiddleware([{ hooks: ['send'], action: { kind: 'duplicate', copies: 1 } }], { rng: seededRng(3) });
    const ids: string[] = [];
    const send = compose([mw], 'send', (e): 'accepted' => {
      ids.push(e.id);
      return 'accepted';
    });
    expect(send(env(7))).toBe('accepted');
    expect(ids).toEqual(['e7', 'e7']);
  });

  it('delays delivery by the drawn latency on virtual time', async () => {
    const time = new ReplayTime(1000);
    const mw = chaosMiddleware([{ action: { kind: 'latency', delay: { kind: 'fixed', ms: 50 } } }], { rng: seededRng(1), clock: time, timer: time });
    const at: number[] = [];
    const recv = compose([mw], 'receive', () => at.push(time.now()));
    const r = recv(env(1)) as unknown as Promise<unknown>;
    await time.advanceTo(1049);
    expect(at).toEqual([]);
    await time.advanceTo(1050);
    await r;
    expect(at).toEqual([1050]);
    expect(mw.stats()).toMatchObject({ delayed: 1, delayTotalMs: 50 });
  });

  it('a delayed tell answers accepted now and sends later; a refusal then counts as lateRefused', async () => {
    const time = new ReplayTime(0);
    const mw = chaosMiddleware([{ hooks: ['send'], action: { kind: 'latency', delay: { kind: 'fixed', ms: 5 } } }], { rng: seededRng(1), clock: time, timer: time });
    const send = compose([mw], 'send', (): 'full' => 'full');
    expect(send(env(1))).toBe('accepted');
    expect(mw.stats().lateRefused).toBe(0);
    await time.advanceTo(5);
    expect(mw.stats().lateRefused).toBe(1);
  });

  it('a dropped ask rejects with TIMEOUT at its deadline, or after dropAskTimeoutMs without one', async () => {
    const time = new ReplayTime(0);
    const mw = chaosMiddleware([{ action: { kind: 'drop' } }], { rng: seededRng(1), clock: time, timer: time, dropAskTimeoutMs: 300 });
    let reached = 0;
    const ask = compose([mw], 'ask', () => {
      reached++;
      return Promise.resolve('reply');
    });
    const settled: Array<[string, number]> = [];
    const a = ask(env(1, { ask: true, deadline: 100 })).catch((e: unknown) => settled.push([(e as ShnError).code, time.now()]));
    const b = ask(env(2, { ask: true })).catch((e: unknown) => settled.push([(e as ShnError).code, time.now()]));
    await time.advanceTo(1000);
    await Promise.all([a, b]);
    expect(reached).toBe(0);
    expect(settled).toEqual([
      ['TIMEOUT', 100],
      ['TIMEOUT', 300],
    ]);
  });

  it('injects errors: send throws, ask rejects, receive throws, all with the configured code', async () => {
    const mw = chaosMiddleware([{ hooks: ['send', 'ask', 'receive'], action: { kind: 'error', code: 'MAILBOX_FULL' } }], { rng: seededRng(1) });
    expect(() => compose([mw], 'send', (): 'accepted' => 'accepted')(env(1))).toThrow(expect.objectContaining({ code: 'MAILBOX_FULL' }));
    await expect(compose([mw], 'ask', () => Promise.resolve(1))(env(2, { ask: true }))).rejects.toMatchObject({ code: 'MAILBOX_FULL' });
    expect(() => compose([mw], 'receive', () => 1)(env(3))).toThrow(expect.objectContaining({ code: 'MAILBOX_FULL' }));
    expect(mw.stats().errored).toBe(3);
  });

  it('never drops an ask on receive (its reply is owed) and counts it as spared', () => {
    const mw = chaosMiddleware([{ hooks: ['receive'], action: { kind: 'drop' } }], { rng: seededRng(1) });
    const recv = compose([mw], 'receive', (e) => `handled ${e.id}`);
    expect(recv(env(1, { ask: true }))).toBe('handled e1');
    expect(recv(env(2))).toBeUndefined();
    expect(mw.stats()).toMatchObject({ spared: 1, dropped: 1 });
  });

  it('passes everything through while disabled and draws nothing', () => {
    let draws = 0;
    const rng = { next: () => (draws++, 0), int: () => 0 };
    const mw = chaosMiddleware([{ action: { kind: 'drop' } }], { rng, enabled: false });
    const send = compose([mw], 'send', (): 'full' => 'full');
    expect(send(env(1))).toBe('full');
    expect(draws).toBe(0);
    mw.setEnabled(true);
    expect(send(env(2))).toBe('accepted');
    expect(mw.enabled).toBe(true);
    expect(mw.stats().byRule).toEqual({ rule0: 1 });
  });

  it('rejects missing rng, bad dropAskTimeoutMs and rules that are not an array of rules with INVALID_ARGUMENT', () => {
    expect(() => chaosMiddleware([], {} as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    for (const rules of [{ rules: [] }, null, 'drop', [null], [42], [{ action: { kind: 'explode' } }]]) {
      expect(() => chaosMiddleware(rules as never, { rng: seededRng(1) })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    for (const t of [0, -1, NaN, Infinity]) {
      try {
        chaosMiddleware([], { rng: seededRng(1), dropAskTimeoutMs: t });
        expect.unreachable();
      } catch (e) {
        expect(hasCode(e, 'INVALID_ARGUMENT')).toBe(true);
      }
    }
  });
});

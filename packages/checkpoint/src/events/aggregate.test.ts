import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryStore, ShnError, hasCode } from '@shn/core';
import { AggregateRepository } from './aggregate.js';
import type { Aggregate } from './aggregate.js';
import { MemoryEventStore } from './memory-event-store.js';
import type { RecordedEvent } from './event-store.js';
import type { Projection } from './projection.js';
import { Upcasters } from './upcasters.js';

type State = { balance: number; open: boolean };
type Cmd = { kind: 'open' } | { kind: 'deposit'; amount: number } | { kind: 'withdraw'; amount: number };
type Ev = { type: 'Opened' } | { type: 'Deposited'; amount: number } | { type: 'Withdrawn'; amount: number };

const account: Aggregate<State, Cmd, Ev> = {
  name: 'account',
  initial: () => ({ balance: 0, open: false }),
  decide(cmd, s) {
    if (cmd.kind === 'open') return s.open ? [] : [{ type: 'Opened' }];
    if (!s.open) throw new ShnError('INVALID_ARGUMENT', 'account is not open');
    if (cmd.kind === 'deposit') return [{ type: 'Deposited', amount: cmd.amount }];
    if (cmd.amount > s.balance) throw new ShnError('INVALID_ARGUMENT', 'insufficient funds');
    return [{ type: 'Withdrawn', amount: cmd.amount }];
  },
  evolve(s, e) {
    switch (e.type) {
      case 'Opened':
        return { ...s, open: true };
      case 'Deposited':
        return { ...s, balance: s.balance + e.amount };
      case 'Withdrawn':
        return { ...s, balance: s.balance - e.amount };
    }
  },
};

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  fc.constant({ kind: 'open' as const }),
  fc.record({ kind: fc.constant('deposit' as const), amount: fc.integer({ min: 1, max: 100 }) }),
  fc.record({ kind: fc.constant('withdraw' as const), amount: fc.integer({ min: 1, max: 100 }) }),
);

describe('AggregateRepository', () => {
  it('decide/evolve: state after commands equals the fold of the stored events, with and without snapshots (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmdArb, { maxLength: 30 }), fc.integer({ min: 1, max: 5 }), async (cmds, every) => {
        const store = new MemoryEventStore();
        const snaps = new MemoryStore();
        const withSnaps = new AggregateRepository({ store, aggregate: account, snapshots: { store: snaps, every } });
        const plain = new AggregateRepository({ store, aggregate: account });
        let model: State = account.initial();
        for (const c of cmds) {
          try {
            model = (await withSnaps.handle('a1', c)).state;
          } catch (e) {
            expect(hasCode(e, 'INVALID_ARGUMENT')).toBe(true);
          }
        }
        const a = await withSnaps.load('a1');
        const b = await plain.load('a1');
        expect(a.state).toEqual(model);
        expect(b.state).toEqual(model);
        expect(a.version).toBe(b.version);
        if (a.version >= every) expect(a.fromSnapshot).toBeGreaterThanOrEqual(every);
      }),
      { numRuns: 50 },
    );
  });

  it('retries a command that lost a race, and gives up with CONCURRENCY_CONFLICT when told not to retry', async () => {
    const store = new MemoryEventStore();
    const repo = new AggregateRepository({ store, aggregate: account });
    await repo.handle('x', { kind: 'open' });
    // Two commands decided on the same version: the loser re-loads and re-decides.
    const results = await Promise.all([repo.handle('x', { kind: 'deposit', amount: 5 }), repo.handle('x', { kind: 'deposit', amount: 7 })]);
    expect(results.map((r) => r.version).sort()).toEqual([2, 3]);
    expect((await repo.load('x')).state.balance).toBe(12);
    const strict = new AggregateRepository({ store, aggregate: account, retries: 0 });
    const origRead = store.readStream.bind(store);
    let injected = false;
    store.readStream = async (s, o) => {
      const r = await origRead(s, o);
      if (!injected) {
        injected = true;
        await store.append('account-x', [{ type: 'Deposited', data: { amount: 1 } }], { expectedVersion: 'any' });
      }
      return r;
    };
    const err = await strict.handle('x', { kind: 'deposit', amount: 1 }).catch((e: unknown) => e);
    expect(hasCode(err, 'CONCURRENCY_CONFLICT')).toBe(true);
  });

  it('upcasts old event versions on read and feeds inline projections before handle resolves', async () => {
    const store = new MemoryEventStore();
    // v1 "Credited" with cents -> v2 "Deposited" with amount.
    await store.append('account-y', [{ type: 'Opened', data: {} }, { type: 'Credited', data: { cents: 500 }, schemaVersion: 1 }], { expectedVersion: 0 });
    const upcasters = new Upcasters([{ type: 'Credited', fromVersion: 1, upcast: (d) => ({ type: 'Deposited', data: { amount: (d as { cents: number }).cents / 100 } }) }]);
    const seen: RecordedEvent[] = [];
    const inline: Projection = { name: 'inline', reset: () => undefined, apply: (e) => void seen.push(e) };
    const repo = new AggregateRepository({ store, aggregate: account, upcasters, inline: [inline] });
    expect((await repo.load('y')).state).toEqual({ balance: 5, open: true });
    const r = await repo.handle('y', { kind: 'withdraw', amount: 2 });
    expect(r.state.balance).toBe(3);
    expect(seen.map((e) => e.type)).toEqual(['Withdrawn']);
    expect(() => new Upcasters([{ type: 'A', fromVersion: 1, upcast: (d) => ({ data: d }) }, { type: 'A', fromVersion: 1, upcast: (d) => ({ data: d }) }])).toThrow(/two upcasters/);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KeyedState } from './keyed-state.js';
import { MigrationSource, MigrationTarget } from './migration.js';
import type { MigrationAction, MigrationMode, MigrationWire, TaggedMessage } from './migration.js';

type Node = 'S' | 'T';
type Packet = { kind: 'msg'; msg: TaggedMessage<number> } | { kind: 'wire'; wire: MigrationWire<number> };

const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * A model world: senders, one unit migrating S -> T, reliable FIFO channels per (from, to), an atomic
 * routing table read at send time, and a scheduler whose every step is chosen by fast-check.
 */
function runWorld(mode: MigrationMode, senders: number, perSender: number, choices: readonly number[], maxRounds: number, pauseAtDirty: number, padKeys: number) {
  const route: { owner: Node } = { owner: 'S' };
  const channels = new Map<string, Packet[]>();
  const chan = (from: string, to: string): Packet[] => {
    const k = `${from}>${to}`;
    let q = channels.get(k);
    if (q === undefined) channels.set(k, (q = []));
    return q;
  };
  const sState = new KeyedState({ keyGroups: 16 });
  for (let i = 0; i < padKeys; i++) sState.set(`pad${i}`, new Uint8Array([i]));
  const tState = new KeyedState({ keyGroups: 16 });
  const source = new MigrationSource<number>(sState, { mode, maxRounds, pauseAtDirty });
  const target = new MigrationTarget<number>(tState);
  const sent = new Array<number>(senders).fill(0);
  const appliedBy: { node: Node; sender: string; seq: number }[] = [];
  const duplicates: TaggedMessage<number>[] = [];
  let started = false;
  let resumed = false;

  const apply = (node: Node, state: KeyedState, msg: TaggedMessage<number>): void => {
    if (node === 'S' && source.phase === 'paused') throw new Error('source applied after its pause');
    if (node === 'T' && !target.owner) throw new Error('target applied before the handoff');
    appliedBy.push({ node, sender: msg.sender, seq: msg.seq });
    const key = `log:${msg.sender}`;
    const prev = state.get(key);
    state.set(key, enc.encode(`${prev === undefined ? '' : `${dec.decode(prev)},`}${msg.seq}`));
  };
  const perform = (node: Node, actions: MigrationAction<number>[]): void => {
    for (const a of actions) {
      if (a.kind === 'send') chan(node, node === 'S' ? 'T' : 'S').push({ kind: 'wire', wire: a.wire });
      else if (a.kind === 'apply') apply(node, node === 'S' ? sState : tState, a.msg);
      else if (a.kind === 'route-to-target') route.owner = 'T';
      else if (a.kind === 'duplicate') duplicates.push(a.msg);
      else if (a.kind === 'resumed') resumed = true;
    }
  };
  const deliver = (from: string, to: Node): void => {
    const p = chan(from, to).shift() as Packet;
    const side = to === 'S' ? source : target;
    perform(to, p.kind === 'msg' ? side.deliver(p.msg) : side.onWire(p.wire));
  };

  const enabled = (): (() => void)[] => {
    const acts: (() => void)[] = [];
    for (let i = 0; i < senders; i++) {
      if (sent[i] as number < perSender) {
        acts.push(() => {
          const seq = (sent[i] as number) + 1;
          sent[i] = seq;
          chan(`c${i}`, route.owner).push({ kind: 'msg', msg: { sender: `c${i}`, seq, body: seq } });
        });
      }
    }
    for (const [k, q] of channels) {
      if (q.length > 0) {
        const [from, to] = k.split('>') as [string, Node];
        acts.push(() => deliver(from, to));
      }
    }
    if (!started) {
      acts.push(() => {
        started = true;
        perform('S', source.start());
      });
    }
    return acts;
  };

  for (const c of choices) {
    const acts = enabled();
    if (acts.length === 0) break;
    (acts[c % acts.length] as () => void)();
  }
  // Drain: everything still possible, always taking the first enabled action.
  for (let guard = 0; guard < 100_000; guard++) {
    const acts = enabled();
    if (acts.length === 0) break;
    (acts[0] as () => void)();
  }
  return { appliedBy, duplicates, resumed, tState, source, target, route };
}

describe('live migration protocol (model with random interleavings)', () => {
  it('loses, duplicates and reorders no message, in both modes (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<MigrationMode>('stop-and-copy', 'pre-copy'),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.nat(), { maxLength: 200 }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 20 }),
        (mode, senders, perSender, choices, maxRounds, pauseAtDirty, padKeys) => {
          const w = runWorld(mode, senders, perSender, choices, maxRounds, pauseAtDirty, padKeys);
          expect(w.duplicates).toEqual([]);
          expect(w.resumed).toBe(true);
          expect(w.route.owner).toBe('T');
          expect(w.target.held).toBe(0);
          // Exactly once, in order, per sender; across both sides.
          for (let i = 0; i < senders; i++) {
            const seqs = w.appliedBy.filter((a) => a.sender === `c${i}`).map((a) => a.seq);
            expect(seqs).toEqual(Array.from({ length: perSender }, (_, k) => k + 1));
            // The target's state holds the whole history (the source's part came with the copy).
            expect(dec.decode(w.tState.get(`log:c${i}`))).toBe(seqs.join(','));
          }
          // The source never applies again after the target started.
          const firstT = w.appliedBy.findIndex((a) => a.node === 'T');
          if (firstT >= 0) expect(w.appliedBy.slice(firstT).every((a) => a.node === 'T')).toBe(true);
          for (let i = 0; i < padKeys; i++) expect(w.tState.get(`pad${i}`)).toEqual(new Uint8Array([i]));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('pre-copy pauses for a small last delta while stop-and-copy ships everything at the pause', () => {
    const big = (): KeyedState => {
      const s = new KeyedState();
      for (let i = 0; i < 5000; i++) s.set(`k${i}`, new Uint8Array(100));
      return s;
    };
    const stop = new MigrationSource(big(), { mode: 'stop-and-copy' }).start();
    const handoffStop = stop.find((a) => a.kind === 'send' && a.wire.t === 'handoff') as { wire: { image: Uint8Array } };
    const s = big();
    const pre = new MigrationSource(s, { mode: 'pre-copy', pauseAtDirty: 10 });
    const t = new MigrationTarget(new KeyedState());
    let out = pre.start();
    let handoffPre: Uint8Array | undefined;
    for (let round = 0; handoffPre === undefined && round < 10; round++) {
      for (let i = 0; i < 5; i++) s.set(`k${round * 5 + i}`, new Uint8Array([round]));
      const next: typeof out = [];
      for (const a of out) {
        if (a.kind !== 'send') continue;
        if (a.wire.t === 'handoff') handoffPre = a.wire.image;
        else next.push(...pre.onWire(t.onWire(a.wire).map((x) => (x as { wire: MigrationWire }).wire)[0] as MigrationWire));
      }
      out = next;
      for (const a of out) if (a.kind === 'send' && a.wire.t === 'handoff') handoffPre = a.wire.image;
    }
    expect(handoffPre).toBeDefined();
    expect((handoffPre as Uint8Array).length * 50).toBeLessThan(handoffStop.wire.image.length);
  });

  it('rejects bad options and protocol misuse with typed errors', () => {
    expect(() => new MigrationSource(new KeyedState(), { mode: 'post-copy' as never })).toThrow(/mode/);
    const src = new MigrationSource(new KeyedState(), { mode: 'pre-copy' });
    src.start();
    expect(() => src.start()).toThrow(/already started/);
    expect(() => src.onWire({ t: 'handoff', image: new Uint8Array(), lastSeq: {} })).toThrow(expect.objectContaining({ code: 'PROTOCOL_ERROR' }));
  });
});

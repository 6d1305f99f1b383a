import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { seededRng } from '@shn/core';
import { AntiEntropyNode } from './anti-entropy-node.js';
import type { AntiEntropyEvent, Outgoing } from './anti-entropy-node.js';
import { orSet } from '../types/or-set.js';
import type { OrSetState } from '../types/or-set.js';
import { pnCounter } from '../types/pn-counter.js';
import type { CrdtType } from '../types/crdt-type.js';

/** An in-memory channel that loses, duplicates and reorders messages, driven by a seed. */
class LossyChannel {
  private queue: Outgoing[] = [];
  readonly sizes: number[] = [];
  constructor(
    private readonly rng: ReturnType<typeof seededRng>,
    private readonly loss: number,
    private readonly dup: number,
  ) {}
  send(out: readonly Outgoing[]): void {
    for (const o of out) {
      if (o.message.t === 'chunk') this.sizes.push(o.message.bytes.length);
      if (this.rng.next() < this.loss) continue;
      this.queue.push(o);
      if (this.rng.next() < this.dup) this.queue.push(o);
    }
  }
  /** Delivers queued messages in random order. */
  drain(nodes: Map<string, AntiEntropyNode<unknown, unknown>>, max = 10_000): void {
    for (let i = 0; i < max && this.queue.length > 0; i++) {
      const at = this.rng.int(this.queue.length);
      const [o] = this.queue.splice(at, 1);
      this.send(nodes.get(o!.to)!.receive(o!.message));
    }
  }
}

function cluster<S, V>(type: CrdtType<S, V>, n: number, maxMessageBytes = 64, maxBatchBytes = 200, onEvent?: (e: AntiEntropyEvent) => void) {
  const ids = Array.from({ length: n }, (_, i) => `n${i}`);
  const nodes = ids.map((id) => new AntiEntropyNode(type, id, { peers: ids, maxMessageBytes, maxBatchBytes, ...(onEvent ? { onEvent } : {}) }));
  return { ids, nodes, byId: new Map(nodes.map((x) => [x.id, x as AntiEntropyNode<unknown, unknown>])) };
}

describe('anti-entropy over a lossy, duplicating, reordering channel', () => {
  it('converges every replica to the join of all mutations, with bounded messages', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.array(fc.tuple(fc.nat(3), fc.boolean(), fc.constantFrom('a', 'b', 'c', 'd', 'long-element-name-to-force-chunking')), { minLength: 1, maxLength: 40 }),
        (seed, muts) => {
          const { nodes, byId } = cluster(orSet, 4);
          const net = new LossyChannel(seededRng(seed), 0.3, 0.2);
          let expected: OrSetState = orSet.bottom();
          muts.forEach(([i, add, e], k) => {
            const d = nodes[i]!.mutate((s, r) => (add ? orSet.add(s, r, e) : orSet.remove(s, e)));
            expected = orSet.join(expected, d);
            if (k % 5 === 0) for (const node of nodes) net.send(node.tick());
            net.drain(byId, 20); // partial delivery: messages stay in flight
          });
          // rounds on a timer until quiet; each round retries whatever was lost
          for (let round = 0; round < 60; round++) {
            for (const node of nodes) net.send(node.tick());
            net.drain(byId);
            if (nodes.every((x) => orSet.equals(x.state, expected))) break;
          }
          for (const node of nodes) expect(orSet.equals(node.state, expected)).toBe(true);
          expect(Math.max(0, ...net.sizes)).toBeLessThanOrEqual(64);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('garbage-collects acknowledged deltas and serves a late peer the full state instead', () => {
    const { nodes, byId } = cluster(pnCounter, 3, 1024, 1 << 20);
    const net = new LossyChannel(seededRng(1), 0, 0);
    for (let i = 0; i < 30; i++) nodes[i % 2]!.mutate((s, r) => pnCounter.add(s, r, 1));
    // n2 is partitioned away: only n0 and n1 talk
    const only01 = (out: Outgoing[]) => out.filter((o) => o.to !== 'n2');
    for (let r = 0; r < 3; r++) {
      net.send(only01(nodes[0]!.tick()));
      net.send(only01(nodes[1]!.tick()));
      net.drain(new Map([...byId].filter(([k]) => k !== 'n2')));
    }
    expect(nodes[0]!.value).toBe(30);
    expect(nodes[0]!.logSize).toBe(30); // n2 has not acknowledged: nothing pruned
    // n2 reconnects: catches up, acknowledges, logs are pruned
    for (let r = 0; r < 3; r++) {
      for (const node of nodes) net.send(node.tick());
      net.drain(byId);
    }
    expect(nodes.map((x) => x.value)).toEqual([30, 30, 30]);
    for (const node of nodes) node.tick();
    expect(nodes.map((x) => x.logSize)).toEqual([0, 0, 0]);
    // a brand-new replica joining later gets the full state (deltas are gone)
    const ids = ['n0', 'n1', 'n2', 'n3'];
    for (const node of nodes) node.setPeers(ids);
    const events: AntiEntropyEvent[] = [];
    const late2 = new AntiEntropyNode(pnCounter, 'n3', { peers: ids, onEvent: (e) => events.push(e) });
    const all = new Map([...byId, ['n3', late2 as AntiEntropyNode<unknown, unknown>]]);
    net.send(late2.tick());
    net.drain(all);
    expect(late2.value).toBe(30);
    expect(events.some((e) => e.type === 'applied' && e.fullState)).toBe(true);
  });

  it('reports malformed, unknown-sender and corrupted input without changing state', () => {
    const events: AntiEntropyEvent[] = [];
    const { nodes } = cluster(pnCounter, 2, 64, 200, (e) => events.push(e));
    nodes[0]!.mutate((s, r) => pnCounter.add(s, r, 5));
    const before = nodes[1]!.value;
    expect(nodes[1]!.receive({ t: 'nope', from: 'n0' })).toEqual([]);
    expect(nodes[1]!.receive(null)).toEqual([]);
    expect(nodes[1]!.receive({ t: 'digest', from: 'stranger', have: [] })).toEqual([]);
    expect(nodes[1]!.receive({ t: 'chunk', from: 'n0', transfer: 1, index: 0, total: 1, bytes: Uint8Array.from([0xc7, 1, 3, 2, 0]) })).toEqual([]);
    expect(nodes[1]!.value).toBe(before);
    expect(events.map((e) => (e.type === 'rejected' ? e.error.code : e.type))).toEqual(['PROTOCOL_ERROR', 'PROTOCOL_ERROR', 'PROTOCOL_ERROR', 'DECODE_FAILED']);
  });

  it('refuses a peer list that is not an array with INVALID_ARGUMENT (a string is not one peer per character)', () => {
    for (const peers of ['bob', new Set(['bob']), undefined, [42]]) {
      expect(() => new AntiEntropyNode(pnCounter, 'a', { peers: peers as never })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    // Its own id in the list is fine: it is left out.
    expect(() => new AntiEntropyNode(pnCounter, 'a', { peers: ['a', 'b'] })).not.toThrow();
  });
});

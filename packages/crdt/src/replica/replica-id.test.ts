import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Replica } from './replica.js';
import { checkReplicaId, incarnationId, MAX_REPLICA_ID_LENGTH } from './replica-id.js';
import { gCounter } from '../types/g-counter.js';
import { HybridLogicalClock } from '../types/hybrid-logical-clock.js';
import { lwwRegister } from '../types/lww-register.js';
import { orSet } from '../types/or-set.js';
import { TextCrdt } from '../text/text-crdt.js';

describe('replica ids after restoring a checkpoint', () => {
  it('HAZARD (what the rule prevents): reusing the id of a restored replica loses increments and adds', () => {
    // Raw state manipulation, bypassing Replica.restore, to show the failure.
    const node = new Replica(gCounter, 'n#0');
    node.mutate((s, r) => gCounter.increment(s, r, 3));
    const checkpoint = node.state;
    node.mutate((s, r) => gCounter.increment(s, r, 4)); // seen by a peer, then node crashes
    const peer = new Replica(gCounter, 'p');
    peer.merge(node.state);
    const reborn = new Replica(gCounter, 'n#0', checkpoint); // same id: slot n#0 restarts at 3
    reborn.mutate((s, r) => gCounter.increment(s, r, 2)); // n#0 -> 5 < 7
    peer.merge(reborn.state);
    expect(peer.value).toBe(7); // 3 + 4 + 2 = 9 expected: the increment of 2 vanished

    const set = new Replica(orSet, 'n#0');
    set.mutate((s, r) => orSet.add(s, r, 'a'));
    const cp = set.state;
    set.mutate((s, r) => orSet.add(s, r, 'b')); // dot n#0:2
    const other = new Replica(orSet, 'p');
    other.merge(set.state);
    other.mutate((s) => orSet.remove(s, 'b')); // removes dot n#0:2
    const again = new Replica(orSet, 'n#0', cp);
    again.mutate((s, r) => orSet.add(s, r, 'c')); // reissues dot n#0:2 for 'c'
    other.merge(again.state);
    expect(other.value.has('c')).toBe(false); // a fresh add silently dropped
  });

  it('Replica.restore refuses the old id and, under a new incarnation, nothing is lost', () => {
    const node = new Replica(gCounter, incarnationId('n', 0));
    node.mutate((s, r) => gCounter.increment(s, r, 3));
    const bytes = node.checkpoint();
    node.mutate((s, r) => gCounter.increment(s, r, 4));
    const peer = new Replica(gCounter, 'p');
    peer.merge(node.state);
    expect(Replica.checkpointId(gCounter, bytes)).toBe('n#0');
    expect(() => Replica.restore(gCounter, bytes, 'n#0')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const reborn = Replica.restore(gCounter, bytes, incarnationId('n', 1));
    reborn.mutate((s, r) => gCounter.increment(s, r, 2));
    peer.merge(reborn.state);
    reborn.merge(peer.state);
    expect(peer.value).toBe(9);
    expect(reborn.value).toBe(9);

    const set = new Replica(orSet, incarnationId('s', 0));
    set.mutate((s, r) => orSet.add(s, r, 'a'));
    const cp = set.checkpoint();
    set.mutate((s, r) => orSet.add(s, r, 'b'));
    const other = new Replica(orSet, 'p');
    other.merge(set.state);
    other.mutate((s) => orSet.remove(s, 'b'));
    const again = Replica.restore(orSet, cp, incarnationId('s', 1));
    again.mutate((s, r) => orSet.add(s, r, 'c'));
    other.merge(again.state);
    expect(other.value).toEqual(new Set(['a', 'c']));
  });

  it('restore fails with DECODE_FAILED on corrupt checkpoints; ids are validated', () => {
    const bytes = new Replica(gCounter, 'a').checkpoint();
    expect(() => Replica.restore(gCounter, bytes.subarray(0, bytes.length - 1), 'b')).toThrow(expect.objectContaining({ code: 'DECODE_FAILED' }));
    expect(() => new Replica(gCounter, '')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => incarnationId('n', -1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('one replica-id rule (checkReplicaId, MAX_REPLICA_ID_LENGTH)', () => {
  const hlc = new HybridLogicalClock();
  /** Every place that takes a replica id, each checked by the same rule. */
  const takers: Record<string, (id: string) => unknown> = {
    checkReplicaId: (id) => checkReplicaId(id),
    'new Replica': (id) => new Replica(gCounter, id),
    'gCounter.increment': (id) => gCounter.increment(gCounter.bottom(), id, 1),
    'lwwRegister.set': (id) => lwwRegister.set(lwwRegister.bottom(), id, 1, hlc),
    'orSet.add': (id) => orSet.add(orSet.bottom(), id, 'x'),
    'new TextCrdt': (id) => new TextCrdt(id),
    incarnationId: (id) => incarnationId(id, 0),
  };

  it('property: every taker accepts exactly the ids checkReplicaId accepts, up to 1024 code units', () => {
    const ids = fc.oneof(
      fc.string({ minLength: 1, maxLength: 40 }),
      fc.integer({ min: MAX_REPLICA_ID_LENGTH - 2, max: MAX_REPLICA_ID_LENGTH + 2 }).map((n) => 'r'.repeat(n)),
      fc.constant(''),
      fc.constant('a\uD800b'),
    );
    fc.assert(
      fc.property(ids, (id) => {
        let valid = true;
        try {
          expect(checkReplicaId(id)).toBe(id);
        } catch (e) {
          valid = false;
          expect(e).toMatchObject({ code: 'INVALID_ARGUMENT' });
        }
        expect(valid).toBe(id.length >= 1 && id.length <= MAX_REPLICA_ID_LENGTH && !/[\uD800-\uDFFF]/.test(id.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, '')));
        for (const [name, take] of Object.entries(takers)) {
          if (valid) expect(() => take(id), name).not.toThrow();
          else expect(() => take(id), name).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('names what was wrong and the limit', () => {
    expect(MAX_REPLICA_ID_LENGTH).toBe(1024);
    expect(() => checkReplicaId('x'.repeat(1025))).toThrow('replica id is 1025 UTF-16 code units long; the limit is 1024');
    expect(() => checkReplicaId('')).toThrow('replica id must not be empty');
    expect(() => checkReplicaId(7)).toThrow('replica id must be a string, got number');
    expect(() => checkReplicaId('\uDC00', 'peer id')).toThrow('peer id must be well-formed UTF-16 (it has a lone surrogate)');
    expect(() => new TextCrdt('y'.repeat(1025))).toThrow('text crdt: replicaId is 1025 UTF-16 code units long; the limit is 1024');
  });
});

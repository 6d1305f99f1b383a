import { describe, expect, it } from 'vitest';
import { Replica } from './replica.js';
import { incarnationId } from './replica-id.js';
import { gCounter } from '../types/g-counter.js';
import { orSet } from '../types/or-set.js';

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

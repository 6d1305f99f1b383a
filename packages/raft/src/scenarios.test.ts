/**
 * Scenario tests in the spirit of etcd-io/raft's interaction tests: each drives a small cluster
 * through one situation and checks the exact outcome.
 */
import { hasCode } from '@shn/core';
import { describe, expect, it } from 'vitest';
import { SimCluster } from './cluster.test-helper.js';
import { RawNode } from './raw-node.js';
import { MemoryRaftStorage } from './storage.js';
import { EMPTY_CONF } from './types.js';

function elected(c: SimCluster): string {
  c.until(() => c.leader() !== undefined, 300, 'a leader');
  c.run(5, { clients: false }); // let every follower hear from it
  return c.leader() as string;
}

describe('elections with pre-vote', () => {
  it('a fresh 3-node cluster (bootstrapped in term 1) elects exactly one leader in term 2, and everyone follows it', () => {
    const c = new SimCluster({ size: 3, seed: 1 });
    const lead = elected(c);
    c.run(20, { clients: false });
    for (const id of c.ids) {
      const s = c.raw(id).status();
      expect(s.term).toBe(2); // pre-vote: failed campaigns never bumped a term
      expect(s.lead).toBe(lead);
    }
  });

  it('a single voter elects itself at once', () => {
    const c = new SimCluster({ size: 1, seed: 1 });
    elected(c);
    c.put('a', '1');
    expect(c.value('n1', 'a')).toBe('1');
  });
});

describe('a partitioned stale node', () => {
  it('with pre-vote, rejoins without disrupting the leader (its term never grew)', () => {
    const c = new SimCluster({ size: 3, seed: 2 });
    const lead = elected(c);
    const follower = c.ids.find((id) => id !== lead) as string;
    const term = c.raw(lead).status().term;
    c.isolate(follower);
    c.run(200, { clients: false });
    expect(c.raw(follower).status().term).toBe(term);
    c.put('x', '1', c.ids.filter((id) => id !== follower));
    c.heal();
    c.until(() => c.value(follower, 'x') === '1', 200, 'the stale node catching up');
    expect(c.leader()).toBe(lead);
    expect(c.raw(lead).status().term).toBe(term);
  });

  it('without pre-vote, the same node bumps its term and forces a new election on rejoin (what pre-vote prevents)', () => {
    const c = new SimCluster({ size: 3, seed: 2, preVote: false, checkQuorum: false });
    const lead = elected(c);
    const follower = c.ids.find((id) => id !== lead) as string;
    const term = c.raw(lead).status().term;
    c.isolate(follower);
    c.run(200, { clients: false });
    expect(c.raw(follower).status().term).toBeGreaterThan(term + 3);
    c.heal();
    c.run(100, { clients: false });
    expect(c.raw(c.leader() as string).status().term).toBeGreaterThan(term);
  });
});

describe('check-quorum', () => {
  it('an isolated leader steps down within two election timeouts; the rest elect a new one', () => {
    const c = new SimCluster({ size: 3, seed: 3 });
    const lead = elected(c);
    c.isolate(lead);
    const steps = c.until(() => c.raw(lead).status().role !== 'leader', 100, 'step-down');
    expect(steps).toBeLessThanOrEqual(20);
    c.until(() => c.leader() !== undefined && c.leader() !== lead, 300, 'a new leader');
  });

  it('a follower that hears from a live leader ignores a disruptive vote request', () => {
    const c = new SimCluster({ size: 3, seed: 4 });
    const lead = elected(c);
    const [a] = c.ids.filter((id) => id !== lead) as [string];
    const raw = c.raw(a);
    const before = raw.status();
    raw.step({ type: 'vote', from: 'n9', to: a, term: before.term + 5, index: 1000, logTerm: 1000 });
    expect(raw.status().term).toBe(before.term);
    expect(raw.status().lead).toBe(lead);
  });
});

describe('leadership transfer', () => {
  it('hands leadership to the named follower', () => {
    const c = new SimCluster({ size: 3, seed: 5 });
    const lead = elected(c);
    c.put('a', '1');
    const target = c.ids.find((id) => id !== lead) as string;
    c.raw(lead).transferLeader(target);
    c.until(() => c.leader() === target, 100, 'transfer');
    c.put('b', '2');
    expect(c.value(lead, 'b')).toBe('2');
  });

  it('refuses proposals while the transfer is under way', () => {
    const c = new SimCluster({ size: 3, seed: 6 });
    const lead = elected(c);
    const target = c.ids.find((id) => id !== lead) as string;
    c.isolate(target); // the transfer cannot finish
    c.raw(lead).transferLeader(target);
    let err: unknown;
    try {
      c.raw(lead).propose(new TextEncoder().encode('x'));
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, 'NOT_LEADER')).toBe(true);
  });
});

describe('a slow follower', () => {
  it('is brought back by a (chunked) snapshot after the log was compacted past it', () => {
    const c = new SimCluster({ size: 3, seed: 7, snapshotEvery: 10 });
    const lead = elected(c);
    const slow = c.ids.find((id) => id !== lead) as string;
    c.crash(slow);
    const up = c.ids.filter((id) => id !== slow);
    for (let i = 0; i < 40; i++) c.put(`k${i}`, `v${i}`, up);
    expect(c.nodes.get(lead)?.storage.firstIndex()).toBeGreaterThan(5);
    c.restart(slow);
    c.until(() => c.value(slow, 'k39') === 'v39', 500, 'catch-up');
    expect(c.stats.snapshotsInstalled).toBeGreaterThan(0);
    expect(c.value(slow, 'k0')).toBe('v0');
  });
});

describe('membership: joint consensus and learners', () => {
  it('adds a learner, promotes it, then removes the leader in one joint change', () => {
    const c = new SimCluster({ size: 4, voters: 3, seed: 8 });
    const lead = elected(c);
    c.put('a', '1', c.ids.slice(0, 3));
    c.raw(lead).proposeConfChange({ changes: [{ type: 'add-learner', node: 'n4' }] });
    c.until(() => c.value('n4', 'a') === '1', 300, 'the learner catching up');
    expect(c.raw('n4').status().conf.learners).toContain('n4');
    expect(c.raw('n4').status().role).toBe('follower');
    // joint: promote n4 and remove the leader in one change, left automatically
    c.until(() => c.raw(lead).status().applied === c.raw(lead).status().commit, 100, 'apply');
    c.raw(lead).proposeConfChange({ changes: [{ type: 'add-voter', node: 'n4' }, { type: 'remove', node: lead }], transition: 'joint-auto' });
    c.until(() => {
      const l = c.leader();
      return l !== undefined && l !== lead && c.raw(l).status().conf.votersOutgoing.length === 0 && c.raw(l).status().conf.voters.includes('n4');
    }, 500, 'the joint change left and a new leader without the old one');
    const survivors = c.ids.filter((id) => id !== lead);
    c.put('b', '2', survivors);
    expect(c.raw(c.leader() as string).status().conf.voters).not.toContain(lead);
  });

  it('refuses a second change while one is pending, and a change that removes every voter', () => {
    const c = new SimCluster({ size: 3, seed: 9 });
    const lead = elected(c);
    c.put('a', '1');
    const raw = c.raw(lead);
    raw.proposeConfChange({ changes: [{ type: 'add-learner', node: 'n7' }] });
    expect(() => raw.proposeConfChange({ changes: [{ type: 'add-learner', node: 'n8' }] })).toThrow(/still being applied/);
    const single = new SimCluster({ size: 1, seed: 1 });
    elected(single);
    single.put('a', '1');
    expect(() => single.raw('n1').proposeConfChange({ changes: [{ type: 'remove', node: 'n1' }] })).toThrow(/every voter/);
  });
});

describe('reads', () => {
  it('ReadIndex from a follower returns a state at least as new as every acknowledged write', () => {
    const c = new SimCluster({ size: 3, seed: 10 });
    const lead = elected(c);
    c.put('a', '1', [lead]);
    const follower = c.ids.find((id) => id !== lead) as string;
    const commit = c.raw(lead).status().commit;
    c.raw(follower).readIndex('0|0|a');
    c.until(() => c.reads.some((r) => r.context === '0|0|a'), 100, 'read served');
    const read = c.reads.find((r) => r.context === '0|0|a');
    expect(read?.node).toBe(follower);
    expect(read?.index).toBeGreaterThanOrEqual(commit);
    expect(read?.value).toBe('1'); // the write acknowledged by the leader is visible on the follower
  });

  it('lease reads require check-quorum', () => {
    expect(() => new RawNode({ id: 'a', storage: new MemoryRaftStorage(), readOnly: 'lease', checkQuorum: false })).toThrow(/lease needs checkQuorum/);
  });
});

describe('bad input', () => {
  it('a leader refuses responses from nodes outside the configuration (typed) and keeps its state', () => {
    const c = new SimCluster({ size: 3, seed: 11 });
    const lead = elected(c);
    const raw = c.raw(lead);
    const before = raw.status();
    let err: unknown;
    try {
      raw.step({ type: 'app-resp', from: 'intruder', to: lead, term: before.term, index: 99 });
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, 'INVALID_ARGUMENT')).toBe(true);
    expect(raw.status()).toEqual(before);
  });

  it('a message with a stale term changes nothing', () => {
    const c = new SimCluster({ size: 3, seed: 12 });
    elected(c);
    c.run(5, { clients: false });
    const lead = c.leader() as string;
    const follower = c.ids.find((id) => id !== lead) as string;
    const raw = c.raw(follower);
    const before = raw.status();
    raw.step({ type: 'app', from: 'n3', to: follower, term: before.term - 1, index: 0, logTerm: 0, entries: [], commit: 0 });
    raw.step({ type: 'heartbeat', from: lead, to: follower, term: before.term - 1, commit: 999 });
    expect(raw.status().commit).toBe(before.commit);
    expect(raw.status().term).toBe(before.term);
  });

  it('rejects local message types, misaddressed and malformed messages with INVALID_ARGUMENT', () => {
    const raw = new RawNode({ id: 'a', storage: new MemoryRaftStorage({ ...EMPTY_CONF, voters: ['a'] }) });
    for (const m of [
      { type: 'hup', from: 'b', to: 'a', term: 1 },
      { type: 'app', from: 'b', to: 'z', term: 1 },
      { type: 'app', from: 'b', to: 'a', term: -1 },
      null,
      { nonsense: true },
    ]) {
      let err: unknown;
      try {
        raw.step(m as never);
      } catch (e) {
        err = e;
      }
      expect(hasCode(err, 'INVALID_ARGUMENT')).toBe(true);
    }
  });

  it('rejects bad options at construction', () => {
    const storage = new MemoryRaftStorage();
    for (const o of [{ id: '' }, { id: 'a', electionTick: 1 }, { id: 'a', heartbeatTick: 10, electionTick: 10 }, { id: 'a', maxSizePerMsg: 0 }, { id: 'a', readOnly: 'fast' }]) {
      let err: unknown;
      try {
        new RawNode({ storage, ...(o as { id: string }) });
      } catch (e) {
        err = e;
      }
      expect(hasCode(err, 'INVALID_ARGUMENT'), JSON.stringify(o)).toBe(true);
    }
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRng } from '@shn/core';
import { codeOf, virtualClock } from '../virtual-clock.test-helper.js';
import type { StealReply, StealRequest } from './steal-messages.js';
import { WorkStealingQueue } from './work-stealing-queue.js';

interface Task {
  readonly id: number;
  /** The shard that owns it when it is bound to an actor there; undefined for stateless work. */
  readonly owner: number | undefined;
}

describe('WorkStealingQueue', () => {
  it('runs every task exactly once, never moves an owned task, and steals only when idle (random schedules, messages in flight)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 4 }),
        fc.array(fc.tuple(fc.nat(3), fc.boolean(), fc.nat(5)), { minLength: 1, maxLength: 120 }),
        fc.array(fc.nat(9), { minLength: 1, maxLength: 600 }),
        fc.boolean(),
        (shards, arrivals, schedule, useLoads) => {
          const clock = virtualClock(0);
          const qs = Array.from({ length: shards }, (_, shard) => new WorkStealingQueue<Task>({ shard, shards, isStealable: (t) => t.owner === undefined, clock, rng: seededRng(shard) }));
          const ran: { task: Task; on: number }[] = [];
          const wire: (StealRequest | StealReply<Task>)[] = [];
          let id = 0;
          for (const [shard, stateless, extra] of arrivals) {
            const s = shard % shards;
            for (let i = 0; i <= extra; i++) (qs[s] as WorkStealingQueue<Task>).push({ id: id++, owner: stateless ? undefined : s });
          }
          const step = (choice: number) => {
            clock.advance(0.5);
            const s = choice % shards;
            const q = qs[s] as WorkStealingQueue<Task>;
            if (choice >= 7 && wire.length > 0) {
              // Deliver the oldest or newest message in flight (reordering across shards).
              const m = (choice === 7 ? wire.shift() : wire.pop()) as StealRequest | StealReply<Task>;
              if (m.type === 'steal-request') wire.push((qs[m.victim] as WorkStealingQueue<Task>).handleRequest(m));
              else {
                for (const t of m.tasks) expect(t.owner).toBeUndefined();
                (qs[m.thief] as WorkStealingQueue<Task>).handleReply(m);
              }
              return;
            }
            const task = q.pop();
            if (task !== undefined) {
              if (task.owner !== undefined) expect(task.owner).toBe(s);
              ran.push({ task, on: s });
              return;
            }
            const req = q.requestSteal(useLoads ? qs.map((x) => x.size) : undefined);
            if (req !== undefined) {
              expect(req.thief).toBe(s);
              expect(req.victim).not.toBe(s);
              wire.push(req);
            }
          };
          for (const c of schedule) step(c);
          // Drain: deliver everything in flight, then run everything left.
          for (let guard = 0; guard < 10_000 && (wire.length > 0 || qs.some((q) => q.size > 0)); guard++) step(wire.length > 0 ? 7 : guard % shards);
          expect(ran.map((r) => r.task.id).sort((a, b) => a - b)).toEqual(Array.from({ length: id }, (_, i) => i));
          const given = qs.reduce((a, q) => a + q.counters.givenAway, 0);
          const stolen = qs.reduce((a, q) => a + q.counters.stolen, 0);
          expect(stolen).toBe(given);
        },
      ),
    );
  });

  it('a victim hands over the newest half of its stealable tasks and keeps the rest and every owned task', () => {
    const victim = new WorkStealingQueue<Task>({ shard: 0, shards: 2, isStealable: (t) => t.owner === undefined });
    for (let i = 0; i < 9; i++) victim.push({ id: i, owner: i % 3 === 0 ? 0 : undefined });
    // 6 stealable (1,2,4,5,7,8): half is 3, the newest: 5, 7, 8.
    const reply = victim.handleRequest({ type: 'steal-request', thief: 1, victim: 0, id: 1 });
    expect(reply.tasks.map((t) => t.id)).toEqual([5, 7, 8]);
    expect(victim.size).toBe(6);
    expect(victim.stealableSize).toBe(3);
    const thief = new WorkStealingQueue<Task>({ shard: 1, shards: 2, isStealable: (t) => t.owner === undefined });
    expect(thief.handleReply(reply)).toBe(3);
    expect(thief.pop()?.id).toBe(5);
  });

  it('asks the busiest shard, keeps one request outstanding, backs off after an empty reply, and gives up a lost request', () => {
    const clock = virtualClock(0);
    const q = new WorkStealingQueue<number>({ shard: 0, shards: 3, isStealable: () => true, clock, backoffMs: 10, requestTimeoutMs: 100 });
    expect(q.requestSteal([0, 1, 1])).toBeUndefined(); // nobody has 2 queued
    const r = q.requestSteal([0, 3, 9]);
    expect(r?.victim).toBe(2);
    expect(q.requestSteal([0, 3, 9])).toBeUndefined();
    q.handleReply({ type: 'steal-reply', thief: 0, victim: 2, id: (r as StealRequest).id, tasks: [] });
    expect(q.requestSteal([0, 3, 9])).toBeUndefined(); // backing off
    clock.advance(10);
    const lost = q.requestSteal([0, 3, 9]);
    expect(lost).toBeDefined();
    clock.advance(100);
    expect(q.requestSteal([0, 3, 9])).toBeDefined();
    expect(q.counters.timedOut).toBe(1);
  });

  it('rejects bad options and misaddressed messages with INVALID_ARGUMENT', () => {
    for (const o of [{ shard: 2, shards: 2 }, { shard: 0, shards: 0 }, { shard: -1, shards: 2 }, { shard: 0, shards: 2, backoffMs: 0 }]) {
      expect(codeOf(() => new WorkStealingQueue({ isStealable: () => true, ...o }))).toBe('INVALID_ARGUMENT');
    }
    const q = new WorkStealingQueue<number>({ shard: 0, shards: 2, isStealable: () => true });
    expect(codeOf(() => q.handleRequest({ type: 'steal-request', thief: 0, victim: 1, id: 1 }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => q.handleReply({ type: 'steal-reply', thief: 1, victim: 0, id: 1, tasks: [] }))).toBe('INVALID_ARGUMENT');
  });
});

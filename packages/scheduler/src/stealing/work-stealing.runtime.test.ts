import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime } from '@shn/core-mailbox';
import type { Runtime } from '@shn/core-mailbox';
import type { StealCounters } from './work-stealing-queue.js';

// Shard threads run plain Node, so they load the built fixture (turbo builds before testing).
const system = new URL('../../dist/stealing/fixtures/stealing-system.js', import.meta.url);
const fixture = (await import(new URL('../../dist/stealing/fixtures/stealing-system.js', import.meta.url).href)) as {
  workerIdOn(shard: number, shards: number): string;
};

interface Stats {
  shard: number;
  ran: { id: number; owner: number; on: number }[];
  counters: StealCounters;
  queued: number;
}

let rt: Runtime | undefined;
afterEach(async () => {
  await rt?.close();
  rt = undefined;
});

async function runSkewed(steal: boolean, shards: number, tasks: number): Promise<Stats[]> {
  rt = await createRuntime({ system, shards, params: { shards, steal }, askTimeoutMs: 20_000 });
  const runtime = rt;
  const ids = Array.from({ length: shards }, (_, s) => fixture.workerIdOn(s, shards));
  for (let s = 0; s < shards; s++) expect(runtime.shardOf('worker', ids[s] as string)).toBe(s);
  // Wake every worker (actors start on their first message), then every task arrives at shard 0;
  // a third of them belong to an actor there.
  for (const w of ids) runtime.tell('worker', w, 'poll');
  for (let id = 0; id < tasks; id++) runtime.tell('worker', ids[0] as string, 'task', { id, ms: 4, owner: id % 3 === 0 ? 0 : -1 });
  const stats = () => Promise.all(ids.map((w) => runtime.ask<Stats>('worker', w, 'stats')));
  for (;;) {
    const s = await stats();
    if (s.reduce((a, x) => a + x.ran.length, 0) >= tasks && s.every((x) => x.queued === 0)) return s;
    await new Promise<void>((r) => setTimeout(r, 20));
  }
}

describe('work stealing on a real runtime (3 shard threads, steal messages over the rings)', () => {
  it('idle shards take stateless tasks from the busy one; owned tasks never move; every task runs once', async () => {
    const tasks = 90;
    const stats = await runSkewed(true, 3, tasks);
    const ran = stats.flatMap((s) => s.ran);
    expect(ran.map((r) => r.id).sort((a, b) => a - b)).toEqual(Array.from({ length: tasks }, (_, i) => i));
    for (const r of ran) if (r.owner >= 0) expect(r.on).toBe(r.owner);
    const elsewhere = ran.filter((r) => r.on !== 0);
    expect(elsewhere.length).toBeGreaterThan(0);
    expect(elsewhere.every((r) => r.owner < 0)).toBe(true);
    const given = stats.reduce((a, s) => a + s.counters.givenAway, 0);
    expect(stats.reduce((a, s) => a + s.counters.stolen, 0)).toBe(given);
    expect(given).toBeGreaterThanOrEqual(elsewhere.length);
  });

  it('without stealing everything runs where it arrived', async () => {
    const stats = await runSkewed(false, 2, 12);
    expect(stats.flatMap((s) => s.ran).every((r) => r.on === 0)).toBe(true);
    expect(stats.reduce((a, s) => a + s.counters.requests, 0)).toBe(0);
  });
});

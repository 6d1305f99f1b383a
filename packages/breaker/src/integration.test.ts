import { createRuntime } from '@shn/core-mailbox';
import type { Runtime } from '@shn/core-mailbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BreakerSnapshot } from './breaker-events.js';

// Shard threads run plain Node, so they load the built fixture (turbo builds before testing).
const system = new URL('../dist/fixtures/breaker-system.js', import.meta.url);

function idOn(rt: Runtime, kind: string, shard: number): string {
  for (let i = 0; ; i++) if (rt.shardOf(kind, `k${i}`) === shard) return `k${i}`;
}

describe('breaker middleware in a real 2-shard runtime', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await createRuntime({ system, shards: 2, askTimeoutMs: 10_000 });
  });
  afterAll(async () => {
    await rt?.close();
  });

  it('a failing actor trips the breaker of each calling thread; then asks fail fast and never reach it', async () => {
    const flakyId = idOn(rt, 'flaky', 1);
    const relayId = idOn(rt, 'relay', 0);
    const received = (): Promise<number> => rt.refOnShard(1, 'meter', 'any').ask<number>('count');

    // Main thread → shard 1: four failures trip the main thread's breaker for kind:flaky.
    for (let i = 0; i < 4; i++) await expect(rt.ask('flaky', flakyId, 'fail')).rejects.toMatchObject({ code: 'ACTOR_FAILED' });
    await expect(rt.ask('flaky', flakyId, 'ok')).rejects.toMatchObject({ code: 'CIRCUIT_OPEN', message: expect.stringContaining('kind:flaky') });
    expect(await received()).toBe(4); // the refused ask never left the main thread

    // Shard 0 has its own breaker (its own thread): still closed, so the relay gets through.
    expect(await rt.ask('relay', relayId, 'go', { id: flakyId, type: 'ok' })).toEqual({ ok: 'ok' });
    for (let i = 0; i < 3; i++) {
      expect(await rt.ask('relay', relayId, 'go', { id: flakyId, type: 'fail' })).toMatchObject({ code: 'ACTOR_FAILED' });
    }
    // 1 success + 3 failures: 4 calls (minimumCalls), failure rate 0.75 >= 0.5: shard 0's breaker is open.
    const refused = await rt.ask<{ code: string; message: string }>('relay', relayId, 'go', { id: flakyId, type: 'ok' });
    expect(refused).toMatchObject({ code: 'CIRCUIT_OPEN', message: expect.stringContaining('kind:flaky') });
    const reached = await received();
    expect(reached).toBe(8); // 4 from main + 4 from shard 0; both refused asks stayed home

    // Shard 0's INFO-style snapshot shows the breaker open.
    const snap = await rt.ask<BreakerSnapshot[]>('relay', relayId, 'snapshot');
    expect(snap).toEqual([expect.objectContaining({ destination: 'kind:flaky', state: 'open' })]);

    // The main thread's group is the system module's export (the runtime imported the same module):
    // INFO on the main thread reads it directly.
    const main = (await import(system.href)) as { breakers: { snapshot(): BreakerSnapshot[] } };
    expect(main.breakers.snapshot().map((b) => `${b.destination}=${b.state}`)).toEqual(['kind:flaky=open', 'kind:meter=closed', 'kind:relay=closed']);
  });

  it('the timeout policy bounds a slow ask and writes its deadline into the envelope the shard receives', async () => {
    const t0 = Date.now();
    const deadline = await rt.ask<number>('sleepy', 's1', 'deadline');
    const t1 = Date.now();
    expect(deadline).toBeGreaterThanOrEqual(t0 + 1000);
    expect(deadline).toBeLessThanOrEqual(t1 + 1000);
    // A tighter deadline from the caller is kept as it is.
    const mine = Date.now() + 300;
    expect(await rt.ask('sleepy', 's1', 'deadline', null, { deadline: mine, timeoutMs: 60_000 })).toBe(mine);
    await expect(rt.ask('sleepy', 's1', 'sleep', 1500)).rejects.toMatchObject({ code: 'TIMEOUT', message: expect.stringContaining('kind:sleepy') });
  });
});

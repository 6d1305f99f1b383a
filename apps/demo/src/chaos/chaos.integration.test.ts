import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChaosMiddleware } from '@shn/sim';
import { startServer, type RunningServer } from '../server/start-server.js';
import { chaosSystemModule } from './chaos-system-module.js';
import { startChaos } from './run-chaos.js';

let server: RunningServer;
let redis: Redis;

beforeAll(async () => {
  // Latency on asks (main thread) and deliveries (shard threads); no drops, so no 5 s timeouts.
  const rules = JSON.stringify([
    { name: 'lat', match: { kinds: ['kv'] }, hooks: ['ask', 'receive'], probability: 0.3, action: { kind: 'latency', delay: { kind: 'uniform', minMs: 0, maxMs: 3 } } },
  ]);
  server = await startServer({ port: 0, adminPort: 0, shards: 2, systemModule: chaosSystemModule(), params: { rules, seed: 3 }, askTimeoutMs: 2000 });
  redis = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  redis?.disconnect();
  await server?.close();
});

describe('shn-kv --chaos', () => {
  it('survives shard kills under message chaos: ioredis keeps getting correct answers, /readyz is back to 200', async () => {
    const lines: string[] = [];
    let recoveries = 0;
    let wake: () => void = () => undefined;
    const twoRecoveries = new Promise<void>((resolve) => (wake = resolve));
    const chaos = startChaos(server, {
      intervalMs: 400,
      seed: 7,
      log: (line) => {
        lines.push(line);
        if (line.includes('restarted') && ++recoveries >= 2) wake();
      },
    });
    // An ioredis client works through the kills: every reply is correct or a clear error.
    let ok = 0;
    const errors: string[] = [];
    let running = true;
    const client = (async () => {
      for (let i = 0; running; i++) {
        try {
          expect(await redis.set(`io:${i % 16}`, `x${i}`)).toBe('OK');
          ok++;
        } catch (e) {
          errors.push((e as Error).message);
        }
      }
    })();
    await twoRecoveries;
    // No more kills from here: on a loaded machine the client's last command can take a while, and
    // kills going on meanwhile would exceed the shard's restart intensity (5 in its period).
    const stopped = chaos.stop();
    running = false;
    await client;
    const report = await stopped;

    expect(report.kills.length).toBeGreaterThanOrEqual(2);
    // Every kill recovered; a failure names the kills that did not, with their errors.
    expect(report.kills.filter((k) => k.recoveredAfterMs === undefined)).toEqual([]);
    expect(report.survived).toBe(true);
    expect(report.workload.violations).toBe(0);
    expect(report.workload.ok).toBeGreaterThan(0);
    expect(report.events.some((e) => e.type === 'shard-crashed')).toBe(true);
    expect(report.events.some((e) => e.type === 'shard-restarted')).toBe(true);
    expect(lines.filter((l) => l.startsWith('chaos: killing shard'))).toHaveLength(report.kills.length);
    expect(ok).toBeGreaterThan(0);
    for (const m of errors) expect(m).toMatch(/^ERR (shard crashed|timeout)/);

    // Afterwards: correct answers on every shard, and ready again.
    for (let i = 0; i < 32; i++) expect(await redis.set(`after:${i}`, `v${i}`)).toBe('OK');
    for (let i = 0; i < 32; i++) expect(await redis.get(`after:${i}`)).toBe(`v${i}`);
    expect(await redis.incr('after:n')).toBe(1);
    const ready = await fetch(`http://127.0.0.1:${server.adminPort}/readyz`);
    expect(ready.status).toBe(200);

    // The chaos rules really ran in this (main) thread's instance.
    const mod = (await import(chaosSystemModule().href)) as { mainThreadChaos: () => ChaosMiddleware | undefined };
    expect(mod.mainThreadChaos()?.stats().delayed).toBeGreaterThan(0);
  }, 30_000);
});

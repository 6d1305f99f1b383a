import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startServer, type RunningServer } from '../server/start-server.js';

let server: RunningServer;
const clients: Redis[] = [];
const SHARDS = 2;

beforeAll(async () => {
  server = await startServer({ port: 0, adminPort: 0, shards: SHARDS });
});

afterAll(async () => {
  for (const r of clients) r.disconnect();
  await server?.close();
});

describe('CINCR / CGET: a PN-counter any shard accepts, converging by anti-entropy', () => {
  it('concurrent CINCRs from several clients converge to the exact sum on every shard', async () => {
    for (let i = 0; i < 4; i++) clients.push(new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 1 }));
    let expected = 0;
    const work = clients.map((r, c) => {
      const p = r.pipeline();
      for (let i = 0; i < 250; i++) {
        const n = ((i * 7 + c * 13) % 21) - 10; // -10..10, mixed signs
        expected += n;
        p.call('cincr', 'hits', String(n));
        p.call('cincr', `other:${c}`, '1');
      }
      return p.exec();
    });
    const results = await Promise.all(work);
    for (const res of results) for (const [err] of res!) expect(err).toBeNull();
    const r = clients[0]!;
    await vi.waitFor(
      async () => {
        for (let s = 0; s < SHARDS; s++) {
          expect(await r.call('cget', 'hits', String(s))).toBe(expected);
          for (let c = 0; c < clients.length; c++) expect(await r.call('cget', `other:${c}`, String(s))).toBe(250);
        }
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(await r.call('cget', 'never-touched')).toBe(0);
  });

  it('rejects bad input with Redis-style errors', async () => {
    const r = clients[0] ?? new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
    if (clients.length === 0) clients.push(r);
    await expect(r.call('cincr', 'k', 'x')).rejects.toThrow('ERR value is not an integer or out of range');
    await expect(r.call('cincr', 'k', String(2n ** 60n))).rejects.toThrow('ERR value is not an integer or out of range');
    await expect(r.call('cget', 'k', '99')).rejects.toThrow('ERR shard index out of range');
    await expect(r.call('cincr', 'k')).rejects.toThrow(/wrong number of arguments/);
  });
});

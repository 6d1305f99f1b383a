import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { reusePortSupport } from './connection-mode.js';
import { startServer } from './start-server.js';
import { reusePortNodeOrSkip } from './reuse-port-node.test-helper.js';

const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGTERM');
});

/** Starts dist/main.js with `node`; resolves with the port and the connection-mode line. */
function startDemo(node: string, args: string[]): Promise<{ port: number; mode: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(node, [main, '--port', '0', '--admin-port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = p;
    let out = '';
    const timer = setTimeout(() => reject(new Error(`shn-kv did not start: ${out}`)), 20_000);
    p.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const port = /listening on [^ ]*:(\d+)/.exec(out)?.[1];
      const mode = /^connections: (.*)$/m.exec(out)?.[1];
      if (port !== undefined && mode !== undefined) {
        clearTimeout(timer);
        resolve({ port: Number(port), mode });
      }
    });
    p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => reject(new Error(`shn-kv exited with ${String(code)}: ${out}`)));
  });
}

describe('shard-owned connections (reusePort, Node >= 22.12)', () => {
  it('spreads connections over more than one shard; CLIENT INFO and INFO name the shard; keys work across shards', async (ctx) => {
    const node = reusePortNodeOrSkip(ctx);
    if (node === undefined) return;
    if (!existsSync(main)) throw new Error('apps/demo is not built (dist/main.js missing); run pnpm build');
    const { port, mode } = await startDemo(node, ['--shards', '2', '--connections', 'shard-owned']);
    expect(mode).toMatch(/^shard-owned/);
    const clients = Array.from({ length: 16 }, () => new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 }));
    try {
      const shardOf = await Promise.all(
        clients.map(async (c) => {
          const info = String(await c.call('client', 'info'));
          return Number(/ shard=(\d+)/.exec(info)?.[1] ?? -1);
        }),
      );
      expect(shardOf.every((s) => s === 0 || s === 1)).toBe(true);
      expect(new Set(shardOf).size).toBe(2);
      const a = clients[shardOf.indexOf(0)]!;
      const b = clients[shardOf.indexOf(1)]!;
      expect(await a.info('server')).toMatch(/connection_mode:shard-owned[\s\S]*served_by_shard:0/);
      expect(await b.info('server')).toMatch(/served_by_shard:1/);
      // Written through shard 0's connection, read through shard 1's: local and remote keys alike.
      const p = a.pipeline();
      for (let i = 0; i < 200; i++) p.set(`k${i}`, `v${i}`);
      await p.exec();
      const got = await b.mget(...Array.from({ length: 200 }, (_, i) => `k${i}`));
      expect(got).toEqual(Array.from({ length: 200 }, (_, i) => `v${i}`));
      expect(await b.dbsize()).toBe(200);
      await Promise.all(clients.map((c) => c.incr('ctr')));
      expect(await a.get('ctr')).toBe('16');
      const list = String(await a.call('client', 'list'));
      expect(list).toMatch(/shard=0/);
    } finally {
      for (const c of clients) c.disconnect();
    }
  }, 60_000);

  it.skipIf(!reusePortSupport().ok)('in process on this Node: a killed shard restarts and listens again', async () => {
    const server = await startServer({ port: 0, adminPort: 0, shards: 2, connections: 'shard-owned' });
    try {
      expect(server.connectionMode.mode).toBe('shard-owned');
      await server.runtime.killShard(1);
      await server.runtime.whenReady();
      let seen = false;
      for (let i = 0; i < 100 && !seen; i++) {
        const c = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 1, lazyConnect: true });
        try {
          await c.connect();
          const info = String(await c.call('client', 'info'));
          if (/ shard=1/.test(info)) {
            expect(await c.set('after', 'restart')).toBe('OK');
            seen = true;
          }
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        } finally {
          c.disconnect();
        }
      }
      expect(seen).toBe(true);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('knows where reusePort exists', () => {
    expect(reusePortSupport('20.20.2', 'linux').ok).toBe(false);
    expect(reusePortSupport('22.11.0', 'linux').ok).toBe(false);
    expect(reusePortSupport('22.12.0', 'linux').ok).toBe(true);
    expect(reusePortSupport('23.0.0', 'linux').ok).toBe(false);
    expect(reusePortSupport('23.1.0', 'linux').ok).toBe(true);
    expect(reusePortSupport('24.21.0', 'darwin').ok).toBe(false);
  });
});

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './start-server.js';
import { requireDebianTool } from './debian-tool.test-helper.js';

const run = promisify(execFile);
let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ port: 0, adminPort: 0, shards: 2 });
});
afterAll(async () => {
  await server?.close();
});

/** Runs redis-benchmark against the server; returns everything it printed. */
async function bench(args: string[]): Promise<string> {
  const { stdout, stderr } = await run('redis-benchmark', ['-h', '127.0.0.1', '-p', String(server.port), '--csv', ...args], {
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return `${stdout}\n${stderr}`;
}

/** The CSV rows redis-benchmark printed, by test name (e.g. `SET`). */
function rows(out: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of out.split('\n')) {
    const cells = line.split('","').map((c) => c.replace(/^"|"$/g, ''));
    if (cells.length >= 2 && /^[A-Z]/.test(cells[0]!) && Number(cells[1]) > 0) m.set(cells[0]!.split(' ')[0]!, Number(cells[1]));
  }
  return m;
}

describe('redis-benchmark against shn-kv', () => {
  it('one hot key under -P 32 from 20 clients: every command is answered, none with an error', async (ctx) => {
    if (!requireDebianTool('redis-benchmark', 'redis-tools', (m) => ctx.skip(m))) return;
    // No -r: every command goes to the same key, so one shard gets all of the load.
    const out = await bench(['-t', 'set,get,incr', '-P', '32', '-c', '20', '-n', '40000']);
    expect(out).not.toMatch(/error|ERR/i);
    expect([...rows(out).keys()].sort()).toEqual(['GET', 'INCR', 'SET']);
  }, 150_000);

  it('-P 64 with 1 MiB values (beyond one ring frame) completes without an error reply', async (ctx) => {
    if (!requireDebianTool('redis-benchmark', 'redis-tools', (m) => ctx.skip(m))) return;
    const out = await bench(['-t', 'set,get', '-P', '64', '-c', '2', '-n', '128', '-d', String(1024 * 1024), '-r', '1000']);
    expect(out).not.toMatch(/error|ERR/i);
    expect([...rows(out).keys()].sort()).toEqual(['GET', 'SET']);
    const info = await run('redis-cli', ['-p', String(server.port), 'info', 'stats']).then((r) => r.stdout, () => '');
    if (info !== '') expect(info).toContain('client_output_limit_disconnections:0');
  }, 150_000);
});

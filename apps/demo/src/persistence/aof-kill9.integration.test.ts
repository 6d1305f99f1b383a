import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { reusePortNodeOrSkip } from '../server/reuse-port-node.test-helper.js';

const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const children = new Set<ChildProcess>();
const dirs: string[] = [];

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Starts dist/main.js as a child process; resolves with it and its RESP port. */
function startDemo(node: string, args: string[]): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [main, '--port', '0', '--admin-port', '0', '--shards', '2', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`shn-kv did not start: ${out}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const port = /listening on [^ ]*:(\d+)/.exec(out)?.[1];
      if (port !== undefined && out.includes('connect with')) {
        clearTimeout(timer);
        resolve({ child, port: Number(port) });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code, signal) => {
      children.delete(child);
      clearTimeout(timer);
      reject(new Error(`shn-kv exited (${String(code ?? signal)}): ${out}`));
    });
  });
}

function connect(port: number): Redis {
  return new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, lazyConnect: true });
}

/**
 * Writers send SETs and HSETs (pipelined) until the process dies; every write whose reply arrived
 * is recorded. The demo is SIGKILLed once `killAfter` writes were acknowledged.
 */
async function killDuringWrites(node: string, dir: string): Promise<{ strings: Map<string, string>; fields: Map<string, string> }> {
  const { child, port } = await startDemo(node, ['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save-interval-ms', '200']);
  const strings = new Map<string, string>();
  const fields = new Map<string, string>();
  const killAfter = 600;
  let acked = 0;
  let killed = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const writer = async (w: number): Promise<void> => {
    const r = connect(port);
    r.on('error', () => undefined);
    await r.connect();
    try {
      for (let i = 0; ; i++) {
        const p = r.pipeline();
        const batch: (() => void)[] = [];
        for (let j = 0; j < 8; j++) {
          const n = i * 8 + j;
          const k = `w${w}:k${n}`;
          const v = `v${n}-${'x'.repeat(n % 50)}`;
          p.set(k, v);
          batch.push(() => strings.set(k, v));
          if (n % 3 === 0) {
            const f = `f${n}`;
            p.hset(`w${w}:hash`, f, v);
            batch.push(() => fields.set(`w${w}:hash/${f}`, v));
          }
        }
        const res = await p.exec();
        if (res === null || res.every(([err]) => err !== null)) return; // the process is gone
        res.forEach(([err], idx) => {
          if (err === null) {
            batch[idx]!();
            acked++;
          }
        });
        if (acked >= killAfter && !killed) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    } catch {
      // the connection died with the process: writes without a reply are not acknowledged
    } finally {
      r.disconnect();
    }
  };
  await Promise.all([0, 1, 2, 3].map(writer));
  await exited;
  expect(killed).toBe(true);
  return { strings, fields };
}

async function verify(node: string, dir: string, acked: { strings: Map<string, string>; fields: Map<string, string> }): Promise<void> {
  const { child, port } = await startDemo(node, ['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always']);
  const r = connect(port);
  r.on('error', () => undefined);
  await r.connect();
  try {
    const keys = [...acked.strings.keys()];
    const got = await r.mget(...keys);
    const lost = keys.filter((k, i) => got[i] !== acked.strings.get(k));
    expect(lost).toEqual([]);
    const hashes = new Map<string, Record<string, string>>();
    for (const hk of new Set([...acked.fields.keys()].map((k) => k.split('/')[0]!))) hashes.set(hk, await r.hgetall(hk));
    const lostFields = [...acked.fields].filter(([k, v]) => {
      const [hk, f] = k.split('/') as [string, string];
      return hashes.get(hk)?.[f] !== v;
    });
    expect(lostFields).toEqual([]);
    expect(await r.info('persistence')).toContain('aof_enabled:1');
  } finally {
    r.disconnect();
    child.kill('SIGKILL');
  }
}

describe('append-only mode under kill -9 of the demo process (appendfsync always)', () => {
  it('loses no acknowledged write (gateway connections)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shn-kv-aof-'));
    dirs.push(dir);
    const acked = await killDuringWrites(process.execPath, dir);
    expect(acked.strings.size).toBeGreaterThanOrEqual(400);
    await verify(process.execPath, dir, acked);
  }, 60_000);

  it('loses no acknowledged write (shard-owned connections, Node >= 22.12)', async (ctx) => {
    const node = reusePortNodeOrSkip(ctx);
    if (node === undefined) return;
    const dir = mkdtempSync(join(tmpdir(), 'shn-kv-aof-'));
    dirs.push(dir);
    const acked = await killDuringWrites(node, dir);
    expect(acked.strings.size).toBeGreaterThanOrEqual(400);
    await verify(node, dir, acked);
  }, 60_000);
});

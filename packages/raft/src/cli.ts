#!/usr/bin/env node
/**
 * `shn-raft`: run one node of the replicated key-value store, or start a 3-node cluster on loopback
 * and drive a client against it.
 *
 *   shn-raft node --id n1 --peers n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7003 --dir ./n1 [--fsync always|never] [--tick-ms 10]
 *   shn-raft cluster [--nodes 3] [--dir DIR] [--ops 2000] [--clients 8] [--fsync always|never]
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ShnError, isShnError, systemClock } from '@shn/core';
import { RaftKvClient } from './node/raft-kv-client.js';
import { RaftKvServer } from './node/raft-kv-server.js';

function flags(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) throw new ShnError('INVALID_ARGUMENT', `unexpected argument ${JSON.stringify(a)}`);
    const v = argv[i + 1];
    if (v === undefined || v.startsWith('--')) throw new ShnError('INVALID_ARGUMENT', `${a} needs a value`);
    out.set(a.slice(2), v);
    i++;
  }
  return out;
}

function parsePeers(text: string | undefined): Record<string, string> {
  if (text === undefined) throw new ShnError('INVALID_ARGUMENT', '--peers id=host:port,… is required');
  const peers: Record<string, string> = {};
  for (const part of text.split(',')) {
    const [id, addr] = part.split('=');
    if (!id || !addr) throw new ShnError('INVALID_ARGUMENT', `--peers entry ${JSON.stringify(part)} is not id=host:port`);
    peers[id] = addr;
  }
  return peers;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
    });
  });
}

async function runNode(f: Map<string, string>): Promise<void> {
  const id = f.get('id');
  const dir = f.get('dir');
  if (id === undefined || dir === undefined) throw new ShnError('INVALID_ARGUMENT', 'node needs --id and --dir');
  const fsync = f.get('fsync') ?? 'always';
  if (fsync !== 'always' && fsync !== 'never') throw new ShnError('INVALID_ARGUMENT', '--fsync must be always or never');
  const server = await RaftKvServer.start({ id, dir, peers: parsePeers(f.get('peers')), fsync, tickMs: Number(f.get('tick-ms') ?? 10) });
  process.stdout.write(`ready ${id} ${server.address.port}\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** Starts `n` node processes on free loopback ports; resolves once every one is listening. */
export async function startCluster(n: number, dir: string, fsync: string): Promise<{ addrs: string[]; procs: ChildProcess[]; peers: string }> {
  const ports = await Promise.all(Array.from({ length: n }, freePort));
  const peers = ports.map((p, i) => `n${i + 1}=127.0.0.1:${p}`).join(',');
  const cli = fileURLToPath(import.meta.url);
  const procs = ports.map((_, i) =>
    spawn(process.execPath, [cli, 'node', '--id', `n${i + 1}`, '--peers', peers, '--dir', join(dir, `n${i + 1}`), '--fsync', fsync], { stdio: ['ignore', 'pipe', 'inherit'] }),
  );
  await Promise.all(
    procs.map(
      (p) =>
        new Promise<void>((resolve, reject) => {
          p.once('exit', (code) => reject(new ShnError('RUNTIME_FAILED', `a node exited with ${String(code)} before it was ready`)));
          p.stdout?.on('data', (d: Buffer) => {
            if (d.toString().includes('ready ')) resolve();
          });
        }),
    ),
  );
  return { addrs: ports.map((p) => `127.0.0.1:${p}`), procs, peers };
}

async function runCluster(f: Map<string, string>): Promise<void> {
  const n = Number(f.get('nodes') ?? 3);
  const ops = Number(f.get('ops') ?? 2000);
  const clients = Number(f.get('clients') ?? 8);
  const own = f.get('dir') === undefined;
  const dir = f.get('dir') ?? mkdtempSync(join(tmpdir(), 'shn-raft-'));
  const { addrs, procs } = await startCluster(n, dir, f.get('fsync') ?? 'always');
  process.stdout.write(`cluster of ${n} nodes on ${addrs.join(' ')} (data in ${dir})\n`);
  try {
    const lat: number[] = [];
    let next = 0;
    const t0 = systemClock.monotonic();
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        const client = new RaftKvClient({ nodes: addrs });
        while (next < ops) {
          const i = next++;
          const s = systemClock.monotonic();
          await client.put(`k${i % 100}`, `v${i}-${c}`);
          lat.push(systemClock.monotonic() - s);
        }
        const check = await client.get(`k${(ops - 1) % 100}`);
        if (check === null) throw new ShnError('INTERNAL', 'a written key read back as missing');
        client.close();
      }),
    );
    const secs = (systemClock.monotonic() - t0) / 1000;
    lat.sort((a, b) => a - b);
    const q = (p: number) => (lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? 0).toFixed(2);
    process.stdout.write(`${ops} writes by ${clients} clients in ${secs.toFixed(2)} s: ${(ops / secs).toFixed(0)} writes/s, p50 ${q(0.5)} ms, p99 ${q(0.99)} ms\n`);
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    if (own) rmSync(dir, { recursive: true, force: true });
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  const f = flags(rest);
  if (cmd === 'node') return runNode(f);
  if (cmd === 'cluster') return runCluster(f);
  throw new ShnError('INVALID_ARGUMENT', 'usage: shn-raft node --id ID --peers id=host:port,… --dir DIR | shn-raft cluster [--nodes 3] [--ops N] [--clients N]');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`shn-raft: ${isShnError(e) ? `${e.code}: ${e.message}` : String(e)}\n`);
    process.exit(2);
  });
}

#!/usr/bin/env node
/**
 * `shn-raft`: run one node of the replicated key-value store, or start a 3-node cluster on loopback
 * and drive a client against it.
 *
 *   shn-raft node --id n1 --peers n1=127.0.0.1:7001,n2=127.0.0.1:7002,n3=127.0.0.1:7003 --dir ./n1 [--fsync always|never] [--tick-ms 10]
 *   shn-raft cluster [--nodes 3] [--dir DIR] [--ops 2000] [--clients 8] [--fsync always|never]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ShnError, isShnError, systemClock } from '@shn/core';
import { RaftKvClient } from './node/raft-kv-client.js';
import { RaftKvServer } from './node/raft-kv-server.js';
import { startLocalCluster } from './node/local-cluster.js';

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

async function runCluster(f: Map<string, string>): Promise<void> {
  const n = Number(f.get('nodes') ?? 3);
  const ops = Number(f.get('ops') ?? 2000);
  const clients = Number(f.get('clients') ?? 8);
  const own = f.get('dir') === undefined;
  const dir = f.get('dir') ?? mkdtempSync(join(tmpdir(), 'shn-raft-'));
  const cluster = await startLocalCluster({ nodes: n, dir, fsync: f.get('fsync') === 'never' ? 'never' : 'always' });
  const addrs = cluster.addrs;
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
    await cluster.stop();
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

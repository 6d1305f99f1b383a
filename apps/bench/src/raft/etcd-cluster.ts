import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ShnError, systemClock, systemTimer } from '@shn/core';
import { findFreePort } from '../kv/free-port.js';
import { EtcdGatewayClient } from './etcd-gateway-client.js';
import { dieWithBench } from '../harness/die-with-bench.js';

/** A running etcd cluster the bench started. */
export interface EtcdCluster {
  /** Every member's client URL, `http://127.0.0.1:port`. */
  readonly endpoints: readonly string[];
  /** The client URL of the member that leads now. */
  leaderEndpoint(): Promise<string>;
  /** SIGTERM (SIGKILL after 5 s) every member, then removes the data directories. Idempotent. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => systemTimer.setTimeout(r, ms));

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = systemTimer.setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  systemTimer.clearTimeout(timer);
}

/**
 * Starts a `members`-member etcd cluster on loopback: every member on two free ports (never
 * etcd's defaults 2379/2380), its own temporary data directory, etcd's defaults otherwise (the WAL
 * is fsynced on every commit). Resolves once a put through the JSON gateway succeeds.
 * Rejects with ShnError INTERNAL if a member exits early and TIMEOUT if the cluster is not
 * ready within `timeoutMs`; the members started so far are stopped first.
 */
export async function startEtcdCluster(members = 3, timeoutMs = 30_000): Promise<EtcdCluster> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'shn-bench-etcd-'));
  const ports: { client: number; peer: number }[] = [];
  const taken = new Set([2379, 2380]);
  while (ports.length < members) {
    const client = await findFreePort();
    const peer = await findFreePort();
    if (taken.has(client) || taken.has(peer) || client === peer) continue;
    taken.add(client).add(peer);
    ports.push({ client, peer });
  }
  const names = ports.map((_, i) => `m${i + 1}`);
  const initial = ports.map((p, i) => `${names[i]}=http://127.0.0.1:${p.peer}`).join(',');
  const endpoints = ports.map((p) => `http://127.0.0.1:${p.client}`);
  const children: ChildProcess[] = [];
  const output: string[] = names.map(() => '');
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(children.map(stopChild));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    ports.forEach((p, i) => {
      const args = [
        '--name', names[i] as string,
        '--data-dir', path.join(root, names[i] as string),
        '--listen-client-urls', `http://127.0.0.1:${p.client}`,
        '--advertise-client-urls', `http://127.0.0.1:${p.client}`,
        '--listen-peer-urls', `http://127.0.0.1:${p.peer}`,
        '--initial-advertise-peer-urls', `http://127.0.0.1:${p.peer}`,
        '--initial-cluster', initial,
        '--initial-cluster-state', 'new',
        '--initial-cluster-token', `shn-bench-${process.pid}`,
        '--logger', 'zap',
        '--log-level', 'error',
      ];
      const child = spawn('etcd', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      dieWithBench(child);
      const keep = (d: string) => (output[i] = ((output[i] ?? '') + d).slice(-2_000));
      child.stdout?.setEncoding('utf8').on('data', keep);
      child.stderr?.setEncoding('utf8').on('data', keep);
      child.once('error', (e) => keep(`spawn failed: ${e.message}`));
      children.push(child);
    });
    const deadline = systemClock.monotonic() + timeoutMs;
    for (;;) {
      const dead = children.findIndex((c) => c.exitCode !== null || c.signalCode !== null);
      if (dead >= 0) throw new ShnError('INTERNAL', `etcd ${names[dead]} exited (${children[dead]?.exitCode ?? children[dead]?.signalCode}): ${output[dead]}`);
      const probe = new EtcdGatewayClient(endpoints[0] as string);
      const ok = await probe.put('shn-bench-ready', '1').then(
        () => true,
        () => false,
      );
      probe.close();
      if (ok) break;
      if (systemClock.monotonic() > deadline) throw new ShnError('TIMEOUT', `etcd cluster not ready within ${timeoutMs} ms: ${output.join(' | ')}`);
      await sleep(100);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    endpoints,
    stop,
    async leaderEndpoint() {
      for (const ep of endpoints) {
        const c = new EtcdGatewayClient(ep);
        try {
          const s = await c.call('/v3/maintenance/status', {});
          const header = s['header'] as { member_id?: string } | undefined;
          if (header?.member_id !== undefined && header.member_id === s['leader']) return ep;
        } finally {
          c.close();
        }
      }
      throw new ShnError('NOT_LEADER', 'etcd: no member reports itself leader');
    },
  };
}

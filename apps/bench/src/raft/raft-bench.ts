import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RaftKvClient, startLocalCluster } from '@shn/raft';
import type { LocalCluster } from '@shn/raft';
import { repeatAlternating } from '../harness/measure.js';
import { ResultBuilder } from '../harness/result-builder.js';
import { startEtcdCluster } from './etcd-cluster.js';
import type { EtcdCluster } from './etcd-cluster.js';
import { EtcdGatewayClient } from './etcd-gateway-client.js';
import { ensureEtcd } from './etcd-tools.js';
import { runWriteWorkload } from './write-workload.js';
import type { WriteWorkloadResult } from './write-workload.js';

/** Options of {@link runRaftBench}. */
export interface RaftBenchOptions {
  /** Smoke mode: 40 writes with 1 client and 400 with 100, one repeat. */
  readonly quick: boolean;
  /** Kept repeats per figure (default 3; 1 in quick mode). */
  readonly repeats?: number | undefined;
  /** Writes per measurement with 1 client (default 2 000); 100 clients do 10× as many. */
  readonly count?: number | undefined;
  /** Progress lines go here (default: stderr). */
  readonly log?: (line: string) => void;
}

const CONCURRENCY = [1, 100] as const;
const KEYS = 1_000;
const VALUE_BYTES = 100;

/** A contender's open clients. */
interface Opened {
  readonly put: (c: number, key: string, value: string) => Promise<void>;
  readonly close: () => void;
}

interface Contender {
  readonly id: 'shn-raft' | 'etcd';
  readonly subject: string;
  /** Opens `n` clients; returns their put and a close. */
  open(n: number): Promise<Opened>;
}

/**
 * The raft bench: 3 nodes on loopback with the WAL fsynced on every write, against a 3-member
 * etcd cluster (Debian's etcd-server, started by the bench on free ports with its own data
 * directories, fsync on as always in etcd) in the same run. For 1 and for 100 concurrent
 * closed-loop clients it measures acknowledged writes/s and p50/p99 write latency:
 * `RaftKvClient.put` (default options: follows leader hints, so it ends up at the leader) against
 * `POST /v3/kv/put` on etcd's JSON gateway of the leader, one keep-alive connection per client.
 * Keys `key-0..999`, 100-byte values. Ratios shn/etcd: throughput (goal >= 1) and p99 latency
 * (goal <= 1). A missing etcd is recorded as skipped; both clusters are always stopped.
 */
export async function runRaftBench(options: RaftBenchOptions): Promise<ResultBuilder> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const quick = options.quick;
  const repeats = options.repeats ?? (quick ? 1 : 3);
  const base = options.count ?? (quick ? 40 : 2_000);
  const writesFor = (clients: number) => (clients === 1 ? base : base * 10);
  const warmupFor = (clients: number) => Math.max(clients, Math.floor(writesFor(clients) / 10));
  const config = { nodes: 3, fsync: 'always', concurrency: CONCURRENCY, writes: Object.fromEntries(CONCURRENCY.map((c) => [`c${c}`, writesFor(c)])), warmupWrites: Object.fromEntries(CONCURRENCY.map((c) => [`c${c}`, warmupFor(c)])), keys: KEYS, valueBytes: VALUE_BYTES, repeats };
  const result = new ResultBuilder('raft', quick, config);
  result.note(`Closed loop: each client sends its next put when the previous one is acknowledged; keys key-0..${KEYS - 1} round robin, ${VALUE_BYTES}-byte values; latency is from call to acknowledgement.`);
  result.note('shn-raft: 3 `shn-raft node` processes on loopback (startLocalCluster, fsync always, tick 10 ms), driven by RaftKvClient.put at its defaults (one TCP connection per client, following leader hints).');
  result.note("etcd: 3 members of Debian's etcd-server on loopback, defaults (fsync on), driven through the JSON gateway POST /v3/kv/put of the leader, one keep-alive HTTP/1.1 connection per client.");
  result.note('Both clusters and the load generator share this machine; both clusters run for the whole bench and the two are measured alternately, rotating the order each round.');

  const dirs: string[] = [];
  let raft: LocalCluster | undefined;
  let etcd: EtcdCluster | undefined;
  try {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shn-bench-raft-'));
    dirs.push(dir);
    log('raft: starting 3 shn-raft nodes...');
    raft = await startLocalCluster({ nodes: 3, dir, fsync: 'always' });
    const raftAddrs = raft.addrs;
    const contenders: Contender[] = [
      {
        id: 'shn-raft',
        subject: 'shn-raft (3 nodes, fsync)',
        open: async (n) => {
          const clients = Array.from({ length: n }, () => new RaftKvClient({ nodes: raftAddrs }));
          return {
            put: async (c, k, v) => {
              await (clients[c] as RaftKvClient).put(k, v);
            },
            close: () => clients.forEach((c) => c.close()),
          };
        },
      },
    ];
    const missing = await ensureEtcd(log);
    if (missing !== undefined) {
      result.skip('etcd', missing);
    } else {
      log('raft: starting 3 etcd members...');
      etcd = await startEtcdCluster(3);
      const cluster = etcd;
      result.note(`etcd: ${execFileSync('etcd', ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? 'etcd'}.`);
      contenders.push({
        id: 'etcd',
        subject: 'etcd (3 members)',
        open: async (n) => {
          const leader = await cluster.leaderEndpoint();
          const clients = Array.from({ length: n }, () => new EtcdGatewayClient(leader));
          return { put: (c, k, v) => (clients[c] as EtcdGatewayClient).put(k, v), close: () => clients.forEach((c) => c.close()) };
        },
      });
    }

    for (const clients of CONCURRENCY) {
      const opened = await Promise.all(contenders.map((c) => c.open(clients)));
      try {
        // Warm-up (connections, JIT, leader discovery): a tenth of the writes, not counted.
        for (const [i, c] of contenders.entries()) {
          log(`raft: ${c.id}, ${clients} client(s): warm-up...`);
          await runWriteWorkload({ clients, writes: warmupFor(clients), keys: KEYS, valueBytes: VALUE_BYTES, put: (opened[i] as Opened).put });
        }
        const runs: WriteWorkloadResult[][] = await repeatAlternating(
          { warmups: 0, repeats },
          contenders.map((c, i) => async () => {
            log(`raft: ${c.id}, ${clients} client(s): ${writesFor(clients)} writes...`);
            const r = await runWriteWorkload({ clients, writes: writesFor(clients), keys: KEYS, valueBytes: VALUE_BYTES, put: (opened[i] as Opened).put });
            log(`raft: ${c.id}, ${clients} client(s): ${r.writesPerSecond.toFixed(0)} writes/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms`);
            return r;
          }),
        );
        for (const [i, c] of contenders.entries()) {
          const rs = runs[i] as WriteWorkloadResult[];
          const note = `${clients} client(s), ${writesFor(clients)} writes per run`;
          result.addFigure(`${c.id}.c${clients}.writes`, c.subject, `writes/s, ${clients} client${clients === 1 ? '' : 's'}`, 'ops/s', rs.map((r) => r.writesPerSecond), note);
          result.addFigure(`${c.id}.c${clients}.p50`, c.subject, `write latency p50, ${clients} client${clients === 1 ? '' : 's'}`, 'ms', rs.map((r) => r.p50Ms), note);
          result.addFigure(`${c.id}.c${clients}.p99`, c.subject, `write latency p99, ${clients} client${clients === 1 ? '' : 's'}`, 'ms', rs.map((r) => r.p99Ms), note);
        }
      } finally {
        for (const o of opened) o.close();
      }
    }
    for (const clients of CONCURRENCY) {
      const n = `${clients} client${clients === 1 ? '' : 's'}`;
      result.addRatio(`shn-raft/etcd.c${clients}.writes`, `shn-raft / etcd, writes/s, ${n}`, `shn-raft.c${clients}.writes`, `etcd.c${clients}.writes`, { op: '>=', value: 1 });
      result.addRatio(`shn-raft/etcd.c${clients}.p99`, `shn-raft / etcd, p99 latency, ${n}`, `shn-raft.c${clients}.p99`, `etcd.c${clients}.p99`, { op: '<=', value: 1 });
      result.addRatio(`shn-raft/etcd.c${clients}.p50`, `shn-raft / etcd, p50 latency, ${n}`, `shn-raft.c${clients}.p50`, `etcd.c${clients}.p50`);
    }
  } finally {
    await raft?.stop();
    await etcd?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  return result;
}

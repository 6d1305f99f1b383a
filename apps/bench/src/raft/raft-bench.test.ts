/**
 * Smoke test of the raft bench at tiny sizes: both clusters start, every figure and ratio is
 * there, and everything the bench started is gone afterwards. Never asserts timings. Needs the
 * built @shn/raft (turbo's test task depends on build) and etcd (the bench installs Debian's
 * etcd-server itself when it runs as root); without etcd it checks the shn-raft half only, unless
 * CI is set.
 */
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectMachineInfo } from '../harness/machine-info.js';
import { hasExecutable } from '../kv/redis-tools.js';
import { EtcdGatewayClient } from './etcd-gateway-client.js';
import { startEtcdCluster } from './etcd-cluster.js';
import { ensureEtcd } from './etcd-tools.js';
import { runRaftBench } from './raft-bench.js';

const canInstall = process.getuid?.() === 0 && hasExecutable('apt-get');
const etcdExpected = hasExecutable('etcd') || canInstall || Boolean(process.env['CI']);
if (!etcdExpected) console.warn('SKIP (part of raft-bench.test.ts): etcd not installed and not root; apt-get install -y etcd-server');

beforeAll(async () => {
  // installs Debian's etcd-server when missing and root (CI); under CI a failure fails the tests below
  const missing = etcdExpected ? await ensureEtcd(() => undefined) : undefined;
  if (missing !== undefined && process.env['CI']) throw new Error(missing);
}, 600_000);

function processesMatching(pattern: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', pattern], { encoding: 'utf8' }).split('\n').filter((l) => l.trim() !== '');
  } catch {
    return [];
  }
}

describe('raft bench', () => {
  it.skipIf(!etcdExpected)('starts a 3-member etcd cluster on free ports whose gateway takes puts, and stops it', async () => {
    const etcd = await startEtcdCluster(3);
    try {
      expect(etcd.endpoints).toHaveLength(3);
      for (const ep of etcd.endpoints) expect(ep).not.toMatch(/:2379$/);
      const c = new EtcdGatewayClient(await etcd.leaderEndpoint());
      await c.put('shn-test', 'héllo');
      expect(await c.get('shn-test')).toBe('héllo');
      expect(await c.get('shn-missing')).toBeNull();
      c.close();
    } finally {
      await etcd.stop();
    }
    const c = new EtcdGatewayClient(etcd.endpoints[0] as string);
    await expect(c.put('k', 'v')).rejects.toMatchObject({ code: 'TRANSPORT_FAILED' });
    c.close();
  }, 60_000);

  it('--quick measures shn-raft (and etcd) with 1 and 100 clients and reports the ratios', async () => {
    const before = new Set([...processesMatching('shn-bench-etcd-'), ...processesMatching('shn-bench-raft-')]);
    const builder = await runRaftBench({ quick: true, count: 5, log: () => undefined });
    const r = builder.build(collectMachineInfo());
    const ids = r.figures.map((f) => f.id);
    expect(ids).toEqual(expect.arrayContaining(['shn-raft.c1.writes', 'shn-raft.c1.p50', 'shn-raft.c1.p99', 'shn-raft.c100.writes', 'shn-raft.c100.p50', 'shn-raft.c100.p99']));
    for (const f of r.figures) for (const s of f.samples) expect(Number.isFinite(s) && s > 0).toBe(true);
    if (r.skipped.length === 0) {
      expect(ids).toEqual(expect.arrayContaining(['etcd.c1.writes', 'etcd.c1.p99', 'etcd.c100.writes', 'etcd.c100.p99']));
      const ratios = new Map(r.ratios.map((x) => [x.id, x]));
      expect(ratios.get('shn-raft/etcd.c1.writes')?.goal).toBe('>= 1');
      expect(ratios.get('shn-raft/etcd.c100.writes')?.goal).toBe('>= 1');
      expect(ratios.get('shn-raft/etcd.c1.p99')?.goal).toBe('<= 1');
      expect(ratios.get('shn-raft/etcd.c100.p99')?.goal).toBe('<= 1');
      for (const x of r.ratios) if (x.goal !== undefined) expect(typeof x.met).toBe('boolean');
    } else {
      expect(etcdExpected, `etcd was expected: ${JSON.stringify(r.skipped)}`).toBe(false);
      expect(r.skipped.map((s) => s.id)).toEqual(['etcd']);
    }
    // every node and member the bench started has exited (anything else running was there before)
    expect([...processesMatching('shn-bench-etcd-'), ...processesMatching('shn-bench-raft-')].filter((l) => !before.has(l))).toEqual([]);
  }, 120_000);
});

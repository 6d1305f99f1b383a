import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LoadRecorder } from './history-recorder.test-helper.js';
import { RaftKvClient } from './raft-kv-client.js';
import { startLocalCluster } from './local-cluster.js';
import type { LocalCluster } from './local-cluster.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function leaderIndex(cluster: LocalCluster, client: RaftKvClient): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    for (let i = 0; i < cluster.addrs.length; i++) {
      try {
        const s = await client.status(cluster.addrs[i] as string);
        if (s.role === 'leader') return i;
      } catch {
        // down or busy
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no leader');
}

describe('a 3-node cluster of real processes (fsync always)', () => {
  it('kill -9 of the leader under client load loses no acknowledged write, and the history is linearizable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shn-raft-real-'));
    dirs.push(dir);
    const cluster = await startLocalCluster({ nodes: 3, dir });
    const probe = new RaftKvClient({ nodes: cluster.addrs });
    try {
      const rec = new LoadRecorder();
      const clients = Array.from({ length: 4 }, () => new RaftKvClient({ nodes: cluster.addrs, attemptTimeoutMs: 500, timeoutMs: 8000 }));
      const load = Promise.all(clients.map((c, i) => rec.run(c, i, 5)));
      await new Promise((r) => setTimeout(r, 800));
      const lead = await leaderIndex(cluster, probe);
      await cluster.kill(lead, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 1200));
      await cluster.restart(lead);
      await new Promise((r) => setTimeout(r, 800));
      rec.stop();
      await load;
      for (const c of clients) c.close();
      expect(rec.acked.length).toBeGreaterThan(20);
      // every acknowledged append is in the final value of its key, read linearizably
      const reader = new RaftKvClient({ nodes: cluster.addrs });
      for (const key of new Set(rec.acked.map((a) => a.key))) {
        const v = (await reader.get(key)) ?? '';
        for (const a of rec.acked.filter((x) => x.key === key)) expect(v, `${key} lost ${a.token}`).toContain(a.token);
      }
      reader.close();
      const verdict = rec.verdict();
      if (verdict.outcome === 'illegal') throw new Error(verdict.explanation);
      expect(verdict.outcome).toBe('ok');
    } finally {
      probe.close();
      await cluster.stop();
    }
  }, 60_000);
});

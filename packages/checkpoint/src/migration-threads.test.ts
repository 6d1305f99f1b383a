import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

const workerFile = fileURLToPath(new URL('../scripts/migration-worker.mjs', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../dist/index.js', import.meta.url)));
if (!built && process.env['CI'] === undefined) console.warn('migration-threads.test.ts: skipped, dist/ is missing (run `pnpm build` first; `pnpm test` does)');

/** Source, target and two sender threads; the migration starts while the senders are sending. */
async function migrateUnderTraffic(mode: 'pre-copy' | 'stop-and-copy'): Promise<{ logs: Record<string, string>; pad: number; held: number; appliedAtTarget: number; appliedAtSource: number; duplicates: unknown[] }> {
  const route = new SharedArrayBuffer(4);
  const s2t = new MessageChannel();
  const senderGroups = [
    ['a', 'b'],
    ['c', 'd'],
  ];
  const perSender = 400;
  const links = senderGroups.map(() => ({ toS: new MessageChannel(), toT: new MessageChannel() }));
  const total = senderGroups.flat().length * perSender;
  const workers: Worker[] = [];
  const duplicates: unknown[] = [];
  try {
    const source = new Worker(workerFile, {
      workerData: { role: 'source', route, mode, peer: s2t.port1, fromSenders: links.map((l) => l.toS.port2) },
      transferList: [s2t.port1, ...links.map((l) => l.toS.port2)] as MessagePort[],
    });
    const target = new Worker(workerFile, {
      workerData: { role: 'target', route, mode, peer: s2t.port2, total, fromSenders: links.map((l) => l.toT.port2) },
      transferList: [s2t.port2, ...links.map((l) => l.toT.port2)] as MessagePort[],
    });
    const senders = senderGroups.map(
      (group, i) =>
        new Worker(workerFile, {
          workerData: { role: 'sender', route, senders: group, perSender, toSource: links[i]?.toS.port1, toTarget: links[i]?.toT.port1 },
          transferList: [links[i]?.toS.port1, links[i]?.toT.port1] as MessagePort[],
        }),
    );
    workers.push(source, target, ...senders);
    for (const w of workers) w.on('message', (m: { duplicate?: unknown }) => m?.duplicate !== undefined && duplicates.push(m.duplicate));
    const paused = new Promise<number>((resolve) => source.on('message', (m: { paused?: boolean; appliedAtSource: number }) => m?.paused === true && resolve(m.appliedAtSource)));
    const started = new Promise<void>((resolve) => source.on('message', (m: { started?: boolean }) => m?.started === true && resolve()));
    const halfSent = Promise.all(senders.map((s) => new Promise<void>((resolve) => s.once('message', () => resolve()))));
    const done = new Promise<{ logs: Record<string, string>; pad: number; held: number; appliedAtTarget: number }>((resolve, reject) => {
      target.on('message', (m: { done?: boolean }) => m?.done === true && resolve(m as never));
      for (const w of workers) w.once('error', reject);
    });
    // Half the traffic, then the migration starts, then the other half flows while it runs.
    for (const s of senders) s.postMessage('go');
    await halfSent;
    source.postMessage('start');
    await started;
    for (const s of senders) s.postMessage('go2');
    const result = await done;
    return { ...result, appliedAtSource: await paused, duplicates };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

describe.skipIf(!built && process.env['CI'] === undefined)('live migration between real threads', () => {
  for (const mode of ['pre-copy', 'stop-and-copy'] as const) {
    it(`${mode}: every sender's messages applied exactly once, in order, state moved whole`, async () => {
      const r = await migrateUnderTraffic(mode);
      expect(r.duplicates).toEqual([]);
      expect(r.held).toBe(0);
      expect(r.pad).toBe(20000);
      for (const s of ['a', 'b', 'c', 'd']) expect(r.logs[s]).toBe(Array.from({ length: 400 }, (_, i) => i + 1).join(','));
      // Both sides served: the source before its pause, the target after (every message once).
      expect(r.appliedAtSource + r.appliedAtTarget).toBe(1600);
      if (mode === 'stop-and-copy') expect(r.appliedAtTarget).toBeGreaterThanOrEqual(800);
    }, 30_000);
  }
});

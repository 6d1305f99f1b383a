import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { ActorHost } from '@shn/core-mailbox';
import type { ActorRef, Envelope } from '@shn/core';
import { ReplayTime, parseRecording, replayRecording } from '@shn/sim';
import { createKvActor } from '../kv/kv-actor.js';
import { KV_MAILBOX_CAPACITY } from '../kv/system.js';
import { startServer } from '../server/start-server.js';
import { chaosSystemModule } from './chaos-system-module.js';

const dir = mkdtempSync(join(tmpdir(), 'shn-kv-record-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh in-process kv shard on virtual time: what a recording is replayed into. */
function replayHost(time: ReplayTime, shard: number): { deliver(env: Envelope): Promise<unknown> } {
  const host = new ActorHost({
    node: 'local',
    shard,
    kinds: { kv: { mode: 'per-shard', factory: () => createKvActor(), mailboxCapacity: KV_MAILBOX_CAPACITY } },
    refFor: (): ActorRef => {
      throw new Error('the kv actor sends no messages');
    },
    clock: time,
    timer: time,
  });
  return {
    deliver: (env) =>
      new Promise((resolve, reject) => {
        const r = host.deliver(env, (err, value) => (err === undefined ? resolve(value) : reject(err)));
        if (r !== 'accepted') reject(new Error(`replay host refused: ${r}`));
      }),
  };
}

describe('record a real shn-kv run, replay it into a fresh in-process shard', () => {
  it('reproduces every reply, including the errors a client provoked', async () => {
    const server = await startServer({ port: 0, adminPort: 0, shards: 2, systemModule: chaosSystemModule(), params: { recordDir: dir }, connections: 'gateway' });
    // Gateway mode: every command is a message, so every one is recorded (shard-owned mode runs local keys inline).
    const redis = new Redis({ port: server.port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
    try {
      for (let i = 0; i < 20; i++) await redis.set(`k${i}`, Buffer.from([i, 0, 255]));
      await redis.set('n', 'not a number');
      await expect(redis.incr('n')).rejects.toThrow('ERR value is not an integer or out of range');
      await redis.set('c', '41');
      expect(await redis.incr('c')).toBe(42);
      expect(await redis.set('c', 'x', 'NX')).toBeNull();
      expect(await redis.getBuffer('k3')).toEqual(Buffer.from([3, 0, 255]));
    } finally {
      redis.disconnect();
      await server.close();
    }
    const files = readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
    expect(files).toHaveLength(2);
    let replayed = 0;
    let errors = 0;
    for (const f of files) {
      const text = readFileSync(join(dir, f), 'utf8');
      const rec = parseRecording(text);
      const first = rec.steps[0];
      if (first === undefined) continue;
      const time = new ReplayTime(first.at);
      const report = await replayRecording(rec, replayHost(time, first.envelope.to.shard), { time });
      expect(report.firstDivergence).toBeUndefined();
      expect(report.steps.every((s) => s.recorded !== undefined)).toBe(true);
      replayed += report.steps.length;
      errors += report.steps.filter((s) => s.replayed.ok && JSON.stringify(s.replayed.value).includes('not an integer')).length;
    }
    // The 26 single-key commands above (plus whatever ioredis's connection handshake fans out
    // to the shards), all recorded and replayed identically.
    expect(replayed).toBeGreaterThanOrEqual(26);
    expect(errors).toBe(1);
  }, 30_000);
});

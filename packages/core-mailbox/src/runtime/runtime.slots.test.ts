import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BroadcastChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createRuntime } from './runtime.js';

// Shard threads run plain Node, so they load the built fixture (turbo builds before testing).
const system = new URL('../../dist/runtime/fixtures/slot-system.js', import.meta.url);
const distIndex = new URL('../../dist/index.js', import.meta.url);

describe('logger slot in real shard threads', () => {
  it('a custom logger receives ctx.log from a shard thread, with shard and actor bound', async () => {
    const name = `shn-log-${randomUUID()}`;
    const channel = new BroadcastChannel(name);
    const lines: Record<string, unknown>[] = [];
    const got = new Promise<void>((resolve) => {
      channel.onmessage = (e) => {
        const line = JSON.parse(String((e as MessageEvent).data)) as Record<string, unknown>;
        lines.push(line);
        if (line['msg'] === 'hello from a shard') resolve();
      };
    });
    const rt = await createRuntime({ system, shards: 2, params: { channel: name } });
    try {
      const shard = await rt.ask<number>('talker', 'a', 'say', 7);
      await got;
      expect(lines).toContainEqual(expect.objectContaining({ msg: 'hello from a shard', level: 30, shard, actor: 'talker/a', n: 7 }));
      expect(lines.some((l) => l['msg'] === 'a debug line (below the default level)')).toBe(false);
    } finally {
      await rt.close();
      channel.close();
    }
  });

  it('the default logger writes JSON lines at level info to stderr', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shn-log-'));
    try {
      const script = join(dir, 'main.mjs');
      writeFileSync(
        script,
        `import { createRuntime } from ${JSON.stringify(distIndex.href)};
const rt = await createRuntime({ system: new URL(${JSON.stringify(system.href)}), shards: 1, params: {} });
await rt.ask('talker', 'b', 'say', 9);
await rt.close();
`,
      );
      const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status).toBe(0);
      const lines = r.stderr
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toContainEqual(expect.objectContaining({ msg: 'hello from a shard', level: 30, shard: 0, actor: 'talker/b', n: 9 }));
      expect(typeof lines.find((l) => l['msg'] === 'hello from a shard')?.['time']).toBe('number');
      expect(r.stderr).not.toContain('a debug line');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('run-queue slot in real shard threads', () => {
  it('default FIFO: tells reach the actor in the order sent', async () => {
    const rt = await createRuntime({ system, shards: 1, params: {} });
    try {
      for (let i = 0; i < 10; i++) rt.tell('recorder', 'r', 'n', i, { priority: i % 3 });
      expect(await rt.ask('recorder', 'r', 'seen')).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    } finally {
      await rt.close();
    }
  });

  it('a custom run queue from the system module orders what a shard accepted in one batch', async () => {
    const rt = await createRuntime({ system, shards: 1, params: { priorityQueue: true } });
    try {
      await rt.ask('recorder', 'r', 'seen'); // activate it
      for (let i = 0; i < 10; i++) rt.tell('recorder', 'r', 'n', i, { priority: i % 3 });
      const seen = await rt.ask<number[]>('recorder', 'r', 'seen');
      expect(seen).toEqual([2, 5, 8, 1, 4, 7, 0, 3, 6, 9]);
    } finally {
      await rt.close();
    }
  });
});

describe('checkpoint slot in real shard threads', () => {
  it('without the slot, a crashed actor restarts empty', async () => {
    const rt = await createRuntime({ system, shards: 1, params: {} });
    try {
      await rt.ask('counter', 'c', 'add', 5);
      await expect(rt.ask('counter', 'c', 'boom')).rejects.toMatchObject({ code: 'ACTOR_FAILED' });
      expect(await rt.ask('counter', 'c', 'get')).toBe(0);
    } finally {
      await rt.close();
    }
  });

  it('with in-memory checkpoints, a crashed actor comes back from its last snapshot', async () => {
    const rt = await createRuntime({ system, shards: 2, params: { checkpoints: true } });
    try {
      await rt.ask('counter', 'c', 'add', 5);
      await rt.ask('counter', 'c', 'add', 37);
      await expect(rt.ask('counter', 'c', 'boom')).rejects.toMatchObject({ code: 'ACTOR_FAILED' });
      expect(await rt.ask('counter', 'c', 'get')).toBe(42);
    } finally {
      await rt.close();
    }
  });
});

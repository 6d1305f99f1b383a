import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_ENVELOPE_STRING_BYTES, hasCode } from '@shn/core';
import type { RuntimeEvent , ShnError} from '@shn/core';
import { createRuntime } from './runtime.js';
import type { Runtime } from './runtime.js';

// Shard threads run plain Node, so they load the built fixture (turbo builds before testing).
const system = new URL('../../dist/runtime/fixtures/test-system.js', import.meta.url);
const distIndex = new URL('../../dist/index.js', import.meta.url);

function caught(fn: () => unknown): ShnError {
  try {
    fn();
  } catch (e) {
    return e as ShnError;
  }
  throw new Error('expected a throw');
}

describe('what the trial hit: typed refusals at the call', () => {
  let rt: Runtime;
  const events: RuntimeEvent[] = [];
  beforeAll(async () => {
    rt = await createRuntime({ system, shards: 2, askTimeoutMs: 30_000 });
    rt.subscribe({ onEvent: (e) => events.push(e) });
  });
  afterAll(async () => {
    await rt.close();
  });

  it('a reply larger than a ring frame rejects the ask at once with MESSAGE_TOO_LARGE naming size and limit, and raises an event', async () => {
    const t0 = performance.now();
    const err = await rt.ask('echo', 'x', 'big', 700_000).then(
      () => expect.fail('must reject'),
      (e: ShnError) => e,
    );
    expect(performance.now() - t0).toBeLessThan(1_000);
    expect(hasCode(err, 'MESSAGE_TOO_LARGE')).toBe(true);
    expect(err.message).toMatch(/message of 7\d{5} bytes exceeds the ring's \d+-byte frame limit/);
    expect(err.details).toMatchObject({ limit: expect.any(Number), bytes: expect.any(Number) });
    await expect.poll(() => events.some((e) => e.type === 'message-lost' && e.reason.includes('MESSAGE_TOO_LARGE'))).toBe(true);
    // A reply that cannot be encoded at all rejects at once too, with an event.
    await expect(rt.ask('echo', 'x', 'unsendable')).rejects.toMatchObject({ code: 'ENCODE_FAILED' });
    await expect.poll(() => events.some((e) => e.type === 'message-lost' && e.reason.includes('ENCODE_FAILED'))).toBe(true);
    expect(await rt.ask('echo', 'x', 'echo', 1)).toBe(1);
  });

  it('the same for tells and ask bodies: MESSAGE_TOO_LARGE at the call, with an event', async () => {
    const before = events.length;
    const big = 'y'.repeat(700_000);
    const err = caught(() => rt.tell('echo', 'x', 'echo', big));
    expect(hasCode(err, 'MESSAGE_TOO_LARGE')).toBe(true);
    expect(err.message).toMatch(/bytes exceeds the ring's \d+-byte frame limit/);
    expect(events.slice(before).some((e) => e.type === 'message-lost' && e.reason.includes('MESSAGE_TOO_LARGE'))).toBe(true);
    await expect(rt.ask('echo', 'x', 'echo', big)).rejects.toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
  });

  it('tell/ask/ref/send to an unknown kind are refused at the call with ACTOR_NOT_FOUND', async () => {
    expect(caught(() => rt.tell('nosuchkind', 'x', 'get')).code).toBe('ACTOR_NOT_FOUND');
    expect(caught(() => rt.ref('nosuchkind', 'x')).code).toBe('ACTOR_NOT_FOUND');
    await expect(rt.ask('nosuchkind', 'x', 'get')).rejects.toMatchObject({ code: 'ACTOR_NOT_FOUND', message: expect.stringContaining('nosuchkind') });
    await expect(rt.send('nosuchkind', 'x', 'get')).rejects.toMatchObject({ code: 'ACTOR_NOT_FOUND' });
    // Inside a shard thread, which has the system loaded as well.
    await expect(rt.ask('echo', 'x', 'forward', { kind: 'nosuchkind', id: 'x', type: 'get', body: null })).rejects.toMatchObject({
      code: 'ACTOR_FAILED',
      message: expect.stringContaining('no actor kind "nosuchkind"'),
    });
  });

  it('an empty id, or one over the wire limit, is INVALID_ARGUMENT at the call', async () => {
    const long = 'i'.repeat(70_000);
    for (const id of ['', long]) {
      const err = caught(() => rt.tell('echo', id, 'echo', 1));
      expect(err.code).toBe('INVALID_ARGUMENT');
      expect(caught(() => rt.ref('echo', id)).code).toBe('INVALID_ARGUMENT');
      await expect(rt.ask('echo', id, 'echo', 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(rt.send('echo', id, 'echo', 1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    }
    expect(caught(() => rt.tell('echo', long, 'echo', 1)).message).toContain(String(MAX_ENVELOPE_STRING_BYTES));
  });

  it('implements RuntimeHandle: shardStates and subscribe', () => {
    expect(rt.shardStates()).toEqual(['up', 'up']);
    const seen: RuntimeEvent[] = [];
    const off = rt.subscribe({ onEvent: (e) => seen.push(e) });
    off();
    expect(() => rt.subscribe({} as never)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('awaitable send', () => {
  it('resolves once accepted: a flood of sends into a tiny ring all arrive, without a retry loop', async () => {
    const rt = await createRuntime({ system, shards: 1, ringCapacity: 1024 });
    try {
      let full = 0;
      for (let i = 0; i < 200; i++) if (rt.tell('counter', 'probe', 'add', 0) === 'full') full++;
      expect(full).toBeGreaterThan(0); // the ring really does fill up
      await Promise.all(Array.from({ length: 500 }, () => rt.send('counter', 'flood', 'add', 1)));
      expect(await rt.ask('counter', 'flood', 'get')).toBe(500);
    } finally {
      await rt.close();
    }
  });

  it('under a full mailbox: waits for room, and rejects with MAILBOX_FULL after its deadline', async () => {
    const rt = await createRuntime({ system, shards: 1, ringCapacity: 1024 });
    try {
      // tiny/x has a mailbox of 1: hold the actor, fill its mailbox, then the ring behind it.
      const held = rt.ask('tiny', 'x', 'slow', 400);
      await new Promise((r) => setTimeout(r, 20));
      let n = 0;
      while (rt.tell('tiny', 'x', 'echo', n) === 'accepted') n++;
      expect(n).toBeGreaterThan(0);
      const t0 = performance.now();
      const late = rt.send('tiny', 'x', 'echo', 'late', { timeoutMs: 50 });
      const patient = rt.ref('tiny', 'x').send('echo', 'patient', { timeoutMs: 10_000 });
      const err = await late.then(
        () => expect.fail('must reject'),
        (e: ShnError) => e,
      );
      expect(hasCode(err, 'MAILBOX_FULL')).toBe(true);
      expect(err.message).toMatch(/stayed full for \d+ ms/);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
      await expect(patient).resolves.toBeUndefined();
      expect(await held).toBe('done');
      await expect(rt.send('tiny', 'x', 'echo', 1, { deadline: Date.now() + 5_000 })).resolves.toBeUndefined();
    } finally {
      await rt.close();
    }
    await expect(rt.send('counter', 'x', 'add', 1)).rejects.toMatchObject({ code: 'RUNTIME_CLOSED' });
  });
});

describe('a system module in the same file as main', () => {
  function run(files: Record<string, string>, entry: string): { status: number | null; stderr: string } {
    const dir = mkdtempSync(join(tmpdir(), 'shn-same-file-'));
    try {
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
      const r = spawnSync(process.execPath, [join(dir, entry)], { encoding: 'utf8', timeout: 30_000 });
      return { status: r.status, stderr: r.stderr };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const sameFile = `import { createRuntime, defineSystem } from ${JSON.stringify(distIndex.href)};
export default defineSystem({ kinds: { k: { factory: () => ({ receive: () => 1 }) } } });
const rt = await createRuntime({ system: import.meta.url, shards: 1 });
await rt.close();
`;

  it('is detected when it is the main module, with an error that says how to fix it', () => {
    const r = run({ 'main.mjs': sameFile }, 'main.mjs');
    expect(r.status).not.toBe(0);
    expect(r.status).not.toBe(13);
    expect(r.stderr).toContain('INVALID_ARGUMENT');
    expect(r.stderr).toContain('in a file of its own');
    expect(r.stderr).toContain("new URL('./system.js', import.meta.url)");
  });

  it('is explained on exit when a module imported by main imports itself (Node exits with code 13)', () => {
    const r = run({ 'main.mjs': "await import('./app.mjs');\n", 'app.mjs': sameFile }, 'main.mjs');
    expect(r.status).toBe(13);
    expect(r.stderr).toContain('never finished importing its system module');
    expect(r.stderr).toContain('in a file of its own');
  });
});

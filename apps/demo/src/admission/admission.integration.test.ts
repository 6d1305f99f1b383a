import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CommandExecutor } from '../kv/command-executor.js';
import { FakeClock } from '../kv/fake-clock.test-helper.js';
import { LocalBackend } from '../kv/local-backend.js';
import { encodeCommand } from '../resp/command-encoder.js';
import { isErrorReply, type Reply } from '../resp/reply.js';
import { listenKv, type KvListener } from '../server/kv-server.js';
import { RawClient } from '../server/raw-client.test-helper.js';
import { ServerCounters } from '../server/server-counters.js';
import { startServer, type RunningServer } from '../server/start-server.js';
import { createAdmission, type AdmissionConfig } from './admission-config.js';
import { reusePortNodeOrSkip } from '../server/reuse-port-node.test-helper.js';

const listeners: KvListener[] = [];
const clients: RawClient[] = [];
const servers: RunningServer[] = [];
let child: ChildProcess | undefined;
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const l of listeners.splice(0)) await l.close();
  for (const s of servers.splice(0)) await s.close();
});
afterAll(() => {
  child?.kill('SIGTERM');
});

async function client(port: number): Promise<RawClient> {
  const c = await RawClient.open(port);
  clients.push(c);
  return c;
}

const text = (r: Reply): unknown => (Buffer.isBuffer(r) ? r.toString() : Array.isArray(r) ? r.map(text) : r);
const setAll = (n: number, tag: string): Buffer => Buffer.concat(Array.from({ length: n }, (_, i) => encodeCommand(['SET', `${tag}:${i}`, `v${i}`])));
const mgetAll = (n: number, tag: string): Buffer => encodeCommand(['MGET', ...Array.from({ length: n }, (_, i) => `${tag}:${i}`)]);

/**
 * Checks the contract for one pipelined batch of `SET tag:i vi`: every command got exactly one
 * reply, each `+OK` or `-BUSY ...`; and (read back with one MGET on `reader`) a key holds its
 * value exactly when its SET was answered +OK: no admitted write lost, no refused one applied.
 */
async function checkBatch(replies: readonly Reply[], n: number, tag: string, reader: RawClient): Promise<{ ok: number; busy: number }> {
  expect(replies).toHaveLength(n);
  let ok = 0;
  let busy = 0;
  for (const r of replies) {
    if (r === 'OK') ok++;
    else {
      expect(isErrorReply(r) && r.err.startsWith('BUSY ')).toBe(true);
      busy++;
    }
  }
  const before = reader.replies.length;
  reader.send(mgetAll(n, tag));
  const values = text((await reader.waitReplies(before + 1))[before]) as (string | null)[];
  expect(values).toEqual(replies.map((r, i) => (r === 'OK' ? `v${i}` : null)));
  return { ok, busy };
}

async function serveLocal(config: AdmissionConfig, backend = new LocalBackend({ shards: 2 })) {
  const counters = new ServerCounters();
  const router = new CommandExecutor({ backend, stats: () => counters });
  const clock = new FakeClock();
  const admission = createAdmission(config, clock);
  const l = await listenKv({ router, counters, port: 0, admission });
  listeners.push(l);
  return { port: l.port, admission, clock };
}

describe('admission control (real sockets)', () => {
  it('admits exactly the burst of a pipelined flood on a frozen clock, answers the rest -BUSY, loses no admitted write', async () => {
    // No refill (the clock stands still): the first `burst` commands pass, every later one is refused.
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 120 }), async (burst, n) => {
        // (Past `burst` BUSY replies the connection also pauses 1 ms per refusal: the next test.)
        const local = await serveLocal({ ratePerSec: 1000, burst, limit: 'none', busyRatePerSec: 1_000_000 });
        const tag = `p${run++}`;
        const c = await client(local.port);
        c.send(setAll(n, tag));
        const replies = (await c.waitReplies(n)).slice(0, n);
        expect(replies.map((r) => r === 'OK')).toEqual(Array.from({ length: n }, (_, i) => i < burst));
        const busy = replies.find((r) => r !== 'OK');
        if (busy !== undefined) expect((busy as { err: string }).err).toMatch(/^BUSY rate limit of 1000 requests\/s per connection \(burst \d+\) exceeded/);
        // A new connection has its own full bucket, so its MGET passes.
        await checkBatch(replies, n, tag, await client(local.port));
      }),
      { numRuns: 12 },
    );
  });

  it('pauses a connection whose BUSY budget is spent and still answers every command, in order', async () => {
    // Frozen clock: 5 admitted, 3 BUSY within the BUSY budget, then every refusal pauses reading
    // (1 ms each) before the next command is parsed; all 60 commands still get their reply.
    const { port, admission } = await serveLocal({ ratePerSec: 1000, burst: 5, limit: 'none', busyRatePerSec: 3 });
    const c = await client(port);
    c.send(setAll(60, 'pause'));
    const replies = (await c.waitReplies(60)).slice(0, 60);
    expect(replies.filter((r) => r === 'OK')).toHaveLength(5);
    expect(admission.counters).toMatchObject({ admitted: 5, rateLimited: 55 });
    expect(admission.counters.paused).toBeGreaterThanOrEqual(50);
    await checkBatch(replies, 60, 'pause', await client(port));
  });

  it('sheds beyond the global concurrency limit with -BUSY server overloaded, and frees the slots as replies go out', async () => {
    // Shard requests wait until released: the first 3 of a pipeline are in flight, the rest shed.
    const gate: (() => void)[] = [];
    const backend = new LocalBackend({ shards: 2, beforeRequest: () => new Promise<void>((r) => gate.push(r)) });
    const { port, admission } = await serveLocal({ ratePerSec: 1_000_000, burst: 1_000_000, limit: 3, busyRatePerSec: 1_000_000 }, backend);
    const c = await client(port);
    c.send(setAll(20, 'g'));
    while (gate.length < 3) await new Promise<void>((r) => setImmediate(r));
    expect(admission.inflight).toBe(3);
    for (const release of gate.splice(0)) release();
    const replies = (await c.waitReplies(20)).slice(0, 20);
    expect(replies.slice(0, 3)).toEqual(['OK', 'OK', 'OK']);
    for (const r of replies.slice(3)) expect((r as { err: string }).err).toMatch(/^BUSY server overloaded: 3 requests in flight, limit 3$/);
    expect(admission.inflight).toBe(0);
    // The reader's MGET is one more shard request per shard: let them through as they come.
    const reader = await client(port);
    const pump = setInterval(() => gate.splice(0).forEach((f) => f()), 1);
    try {
      await checkBatch(replies, 20, 'g', reader);
    } finally {
      clearInterval(pump);
    }
  });

  it('startServer({ admission }) in gateway mode on real shard threads: BUSY for the excess, every admitted SET stored', async () => {
    const server = await startServer({ port: 0, adminPort: 0, shards: 2, connections: 'gateway', admission: { ratePerSec: 1, burst: 10, limit: 'gradient2', busyRatePerSec: 1_000 } });
    servers.push(server);
    const c = await client(server.port);
    const t0 = Date.now();
    // 20 SETs: 10 admitted (burst), 10 BUSY (the BUSY budget's burst is also 10, so no pause:
    // past it, the connection would pause until its next token, 1 s at this rate).
    c.send(setAll(20, 'rt'));
    const replies = (await c.waitReplies(20)).slice(0, 20);
    const reader = await client(server.port);
    const { ok, busy } = await checkBatch(replies, 20, 'rt', reader);
    expect(ok).toBeGreaterThanOrEqual(10);
    expect(ok).toBeLessThanOrEqual(10 + Math.ceil((Date.now() - t0) / 1000)); // 1 token/s refill
    expect(busy).toBe(20 - ok);
  });
});

describe('admission control, shard-owned connections (Node >= 22.12)', () => {
  it('each shard admits its connections through their own token bucket: BUSY for the excess, nothing admitted lost', async (ctx) => {
    const node = reusePortNodeOrSkip(ctx);
    if (node === undefined) return;
    const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
    const args = [main, '--port', '0', '--admin-port', '0', '--shards', '2', '--connections', 'shard-owned', '--admission', '--admission-rate', '1', '--admission-burst', '10', '--admission-limit', 'aimd'];
    const port = await new Promise<number>((resolve, reject) => {
      const p = spawn(node, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = p;
      let out = '';
      const timer = setTimeout(() => reject(new Error(`shn-kv did not start: ${out}`)), 20_000);
      p.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on [^ ]*:(\d+)/.exec(out)?.[1];
        if (m !== undefined && /^connections: shard-owned/m.test(out) && /^admission: /m.test(out)) {
          clearTimeout(timer);
          resolve(Number(m));
        }
      });
      p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      p.on('exit', (code) => reject(new Error(`shn-kv exited with ${String(code)}: ${out}`)));
    });
    for (let k = 0; k < 4; k++) {
      // Several connections, so both shards' listeners (the kernel spreads them) are exercised.
      const c = await client(port);
      const t0 = Date.now();
      c.send(setAll(20, `so${k}`));
      const replies = (await c.waitReplies(20)).slice(0, 20);
      const { ok, busy } = await checkBatch(replies, 20, `so${k}`, await client(port));
      expect(ok).toBeGreaterThanOrEqual(10);
      expect(ok).toBeLessThanOrEqual(10 + Math.ceil((Date.now() - t0) / 1000)); // 1 token/s refill
      expect(busy).toBe(20 - ok);
    }
  });
});

import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { CommandExecutor } from '../kv/command-executor.js';
import { LocalBackend } from '../kv/local-backend.js';
import type { ShardRequest } from '../kv/shard-request.js';
import { encodeCommand } from '../resp/command-encoder.js';
import { listenKv, type KvListener } from './kv-server.js';
import { RawClient } from './raw-client.test-helper.js';
import { ServerCounters } from './server-counters.js';
import type { ConnectionLimits } from './connection.js';
import { connect } from 'node:net';

const listeners: KvListener[] = [];
const clients: RawClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const l of listeners.splice(0)) await l.close();
});

async function serve(backend: LocalBackend, limits?: Partial<ConnectionLimits>) {
  const counters = new ServerCounters();
  const router = new CommandExecutor({ backend, stats: () => counters });
  const l = await listenKv({ router, counters, port: 0, limits });
  listeners.push(l);
  return { port: l.port, counters };
}

async function client(port: number): Promise<RawClient> {
  const c = await RawClient.open(port);
  clients.push(c);
  return c;
}

const text = (r: unknown): unknown => (Buffer.isBuffer(r) ? r.toString() : Array.isArray(r) ? r.map(text) : r);

describe('Connection (in-process shards, real sockets)', () => {
  it('writes pipelined replies in request order even when shards complete out of order', async () => {
    // Each request waits a random number of macrotask turns, FIFO per shard (as the runtime
    // guarantees) but independently across shards: completion order is scrambled.
    let seed = 1;
    const tails = new Map<number, Promise<void>>();
    const randomTurns = async (): Promise<void> => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      for (let i = seed % 5; i > 0; i--) await new Promise<void>((r) => setImmediate(r));
    };
    const backend = new LocalBackend({
      shards: 4,
      beforeRequest: (shard) => {
        const next = (tails.get(shard) ?? Promise.resolve()).then(randomTurns);
        tails.set(shard, next);
        return next;
      },
    });
    const { port } = await serve(backend);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 60 }), async (ids) => {
        const c = await client(port);
        const wire = Buffer.concat(ids.flatMap((id) => [encodeCommand(['SET', `k${id}`, `v${id}`]), encodeCommand(['GET', `k${id}`]), Buffer.from(`ECHO e${id}\r\n`)]));
        c.send(wire);
        const replies = (await c.waitReplies(ids.length * 3)).map(text);
        expect(replies).toEqual(ids.flatMap((id) => ['OK', `v${id}`, `e${id}`]));
        c.close();
      }),
      { numRuns: 15 },
    );
  });

  it('bounds commands in flight per connection (stops parsing and reading past the bound)', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const backend = new LocalBackend({
      beforeRequest: async (_s: number, _r: ShardRequest) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise<void>((r) => setImmediate(r));
        inFlight--;
      },
    });
    const { port } = await serve(backend, { maxPendingReplies: 16 });
    const c = await client(port);
    const n = 2000;
    c.send(Buffer.concat(Array.from({ length: n }, () => encodeCommand(['INCR', 'ctr']))));
    const replies = await c.waitReplies(n);
    expect(replies.length).toBe(n);
    expect(replies[n - 1]).toBe(n);
    expect(maxInFlight).toBeLessThanOrEqual(16);
  });

  it('answers a protocol error after earlier replies, closes that connection, and keeps serving others', async () => {
    const { port, counters } = await serve(new LocalBackend());
    const bad = await client(port);
    const good = await client(port);
    bad.send('PING\r\n*1\r\n$-5\r\nPING\r\n');
    await bad.waitClose();
    expect(bad.replies.map(text)).toEqual(['PONG', { err: 'ERR Protocol error: invalid bulk length' }]);
    expect(counters.protocolErrors).toBe(1);
    good.send(encodeCommand(['SET', 'a', '1']));
    good.send('GET a\r\n');
    expect((await good.waitReplies(2)).map(text)).toEqual(['OK', '1']);
  });

  it('QUIT replies +OK, closes, and ignores what follows', async () => {
    const { port } = await serve(new LocalBackend());
    const c = await client(port);
    c.send('SET q 1\r\nQUIT\r\nSET q 2\r\n');
    await c.waitClose();
    expect(c.replies.map(text)).toEqual(['OK', 'OK']);
    const d = await client(port);
    d.send('GET q\r\n');
    expect((await d.waitReplies(1)).map(text)).toEqual(['1']);
  });

  it('handles commands split at every byte boundary over the wire', async () => {
    const { port } = await serve(new LocalBackend({ shards: 2 }));
    const c = await client(port);
    const wire = Buffer.concat([encodeCommand(['SET', 'split', 'x\r\ny']), encodeCommand(['GET', 'split'])]);
    for (const b of wire) {
      c.send(Buffer.from([b]));
      await new Promise<void>((r) => setImmediate(r));
    }
    expect((await c.waitReplies(2)).map(text)).toEqual(['OK', 'x\r\ny']);
  });

  it('disconnects a client that sends but never reads, once its unread replies pass the output cap; others carry on', async () => {
    const { port, counters } = await serve(new LocalBackend(), { maxOutputBuffer: 1024 * 1024, maxWriteBuffer: 256 * 1024 });
    const setup = await client(port);
    setup.send(encodeCommand(['SET', 'big', 'x'.repeat(256 * 1024)]));
    await setup.waitReplies(1);
    const hog = connect(port, '127.0.0.1');
    hog.pause(); // never reads
    hog.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => hog.on('close', () => resolve()));
    await new Promise<void>((resolve) => hog.once('connect', () => resolve()));
    hog.write(Buffer.concat(Array.from({ length: 400 }, () => encodeCommand(['GET', 'big']))));
    for (let i = 0; i < 500 && counters.outputLimitDisconnects === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(counters.outputLimitDisconnects).toBe(1);
    hog.destroy();
    await closed;
    setup.send('PING\r\n');
    expect((await setup.waitReplies(2))[1]).toBe('PONG');
  });

  it('closes a connection whose single request passes the input cap, and keeps serving others', async () => {
    const { port } = await serve(new LocalBackend(), { maxInputBuffer: 64 * 1024 });
    const c = await client(port);
    c.send('*2\r\n$4\r\nECHO\r\n$1000000\r\n');
    c.send(Buffer.alloc(128 * 1024, 0x61));
    await c.waitClose();
    const d = await client(port);
    d.send('PING\r\n');
    expect((await d.waitReplies(1)).map(text)).toEqual(['PONG']);
  });
});

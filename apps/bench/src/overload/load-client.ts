import net from 'node:net';
import { ShnError, systemClock, systemRng, systemTimer } from '@shn/core';
import type { TimerHandle } from '@shn/core';
import { ReplyScanner } from './reply-scanner.js';

/** What one load phase measured. */
export interface PhaseStats {
  /** Requests written to the sockets. */
  sent: number;
  /** Requests the pacing wanted to send but did not, because the socket would not take more (TCP backpressure). */
  notSent: number;
  ok: number;
  busy: number;
  /** Of `busy`, the refusals by the server's global limit (`BUSY server overloaded ...`); the rest were a connection's rate limit. */
  busyOverloaded: number;
  errors: number;
  /** Sent requests that got no reply by the end of the grace period. */
  unanswered: number;
  /** Latencies of `ok` replies, ms (write to reply), possibly subsampled. */
  latencies: number[];
  /** Wall time of the phase, ms. */
  durationMs: number;
  firstError: string | undefined;
}

/** Options of {@link runLoadPhase}. */
export interface PhaseOptions {
  readonly port: number;
  readonly connections: number;
  /** Open loop: requests per second over all connections. Closed loop: omit and set `depth`. */
  readonly ratePerSec?: number;
  /** Closed loop: requests kept outstanding per connection. */
  readonly depth?: number;
  readonly durationMs: number;
  /** Most bytes queued in a socket's write buffer before the client holds back (default 256 KiB). */
  readonly maxClientBuffer?: number;
  /** Wait this long after the phase for the last replies, ms (default 5000). */
  readonly graceMs?: number;
  /** What to send (default {@link SET_WORKLOAD}). */
  readonly workload?: Workload;
}

/** Requests a load phase sends: `count` encoded commands of `size` bytes each, back to back. */
export interface Workload {
  /** Short name, for reports. */
  readonly name: string;
  /** What the requests are, for reports. */
  readonly describe: string;
  readonly bytes: Buffer;
  readonly size: number;
  readonly count: number;
}

function encode(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/**
 * A {@link Workload} of `count` commands `argsOf(0..count-1)`, which must all encode to the same
 * length (the client slices the buffer by index).
 * @throws ShnError `INVALID_ARGUMENT` if two commands differ in length.
 */
export function uniformWorkload(name: string, describe: string, count: number, argsOf: (i: number) => readonly string[]): Workload {
  const all = Array.from({ length: count }, (_, i) => encode(argsOf(i)));
  const size = Buffer.byteLength(all[0] ?? '');
  const odd = all.findIndex((c) => Buffer.byteLength(c) !== size);
  if (odd >= 0) throw new ShnError('INVALID_ARGUMENT', `workload ${name}: command ${odd} is ${Buffer.byteLength(all[odd] as string)} bytes, command 0 is ${size}`);
  return { name, describe, bytes: Buffer.from(all.join(''), 'latin1'), size, count };
}

const pad5 = (i: number) => String(i).padStart(5, '0');

/** `SET k:NNNNN <16 bytes>` over 10 000 keys: a cheap command (the server's cost is mostly parsing and replying). */
export const SET_WORKLOAD = uniformWorkload('set', 'SET k:NNNNN <16 bytes>, 10 000 keys', 10_000, (i) => ['SET', `k:${pad5(i)}`, 'v'.repeat(16)]);

/**
 * `KEYS absent:NNNNN*` (matches nothing, so the reply is `*0`): an expensive command with a
 * small request and reply. Each one scans every key of every shard, so its cost is the shards'
 * work, not parsing.
 */
export const KEYS_WORKLOAD = uniformWorkload('keys', 'KEYS absent:NNNNN* (matches none of the preloaded keys; every shard scans all its keys)', 10_000, (i) => ['KEYS', `absent:${pad5(i)}*`]);

const MAX_LATENCIES = 2_000_000;

/**
 * Drives a RESP server with the workload's requests (default SET) over `connections` sockets, open loop (paced to
 * `ratePerSec`, sent in batches every millisecond) or closed loop (`depth` outstanding per
 * connection), for `durationMs`, then waits for the remaining replies. Latency is from the
 * write of a request to its reply (pipelined replies come back in order).
 */
export async function runLoadPhase(o: PhaseOptions): Promise<PhaseStats> {
  const commands = o.workload ?? SET_WORKLOAD;
  const stats: PhaseStats = { sent: 0, notSent: 0, ok: 0, busy: 0, busyOverloaded: 0, errors: 0, unanswered: 0, latencies: [], durationMs: 0, firstError: undefined };
  const maxBuffer = o.maxClientBuffer ?? 256 * 1024;
  let seen = 0;
  const record = (ms: number) => {
    seen++;
    if (stats.latencies.length < MAX_LATENCIES) stats.latencies.push(ms);
    else {
      const j = systemRng.int(seen);
      if (j < MAX_LATENCIES) stats.latencies[j] = ms;
    }
  };
  const conns = await Promise.all(
    Array.from({ length: o.connections }, (_, c) => {
      return new Promise<{ socket: net.Socket; times: number[]; head: number; cursor: number; scanner: ReplyScanner; due: number }>((resolve, reject) => {
        const socket = net.connect({ port: o.port, host: '127.0.0.1' });
        socket.setNoDelay(true);
        const conn = { socket, times: [] as number[], head: 0, cursor: (c * 997) % commands.count, scanner: new ReplyScanner(), due: 0 };
        socket.once('connect', () => resolve(conn));
        socket.once('error', (e) => reject(new ShnError('TRANSPORT_FAILED', `load client cannot connect to port ${o.port}: ${e.message}`)));
      });
    }),
  );
  const send = (conn: (typeof conns)[number], n: number) => {
    if (n <= 0) return;
    const now = systemClock.monotonic();
    let left = n;
    while (left > 0) {
      const take = Math.min(left, commands.count - conn.cursor);
      conn.socket.write(commands.bytes.subarray(conn.cursor * commands.size, (conn.cursor + take) * commands.size));
      conn.cursor = (conn.cursor + take) % commands.count;
      left -= take;
    }
    for (let i = 0; i < n; i++) conn.times.push(now);
    stats.sent += n;
  };
  let running = true;
  for (const conn of conns) {
    conn.socket.on('data', (chunk: Buffer) => {
      const now = systemClock.monotonic();
      let answered = 0;
      conn.scanner.push(chunk, (kind) => {
        const t0 = conn.times[conn.head++] as number;
        answered++;
        if (kind === 'ok') {
          stats.ok++;
          record(now - t0);
        } else if (kind === 'busy') stats.busy++;
        else stats.errors++;
      });
      if (conn.head > 65_536) {
        conn.times.splice(0, conn.head);
        conn.head = 0;
      }
      if (running && o.ratePerSec === undefined) send(conn, answered);
      if (stats.firstError === undefined) stats.firstError = conn.scanner.firstError;
    });
    conn.socket.on('error', () => {});
  }
  const start = systemClock.monotonic();
  let handle: TimerHandle | undefined;
  if (o.ratePerSec === undefined) {
    for (const conn of conns) send(conn, o.depth ?? 16);
  } else {
    const perConnPerMs = o.ratePerSec / o.connections / 1000;
    const tick = () => {
      const elapsed = systemClock.monotonic() - start;
      for (const conn of conns) {
        const target = Math.floor(elapsed * perConnPerMs);
        const want = target - conn.due;
        conn.due = target;
        if (conn.socket.writableLength > maxBuffer) stats.notSent += want;
        else send(conn, want);
      }
      if (running) handle = systemTimer.setTimeout(tick, 1);
    };
    tick();
  }
  await new Promise<void>((r) => systemTimer.setTimeout(r, o.durationMs));
  running = false;
  if (handle !== undefined) systemTimer.clearTimeout(handle);
  stats.durationMs = systemClock.monotonic() - start;
  const graceEnd = systemClock.monotonic() + (o.graceMs ?? 5000);
  const outstanding = () => conns.reduce((a, c) => a + c.times.length - c.head, 0);
  while (outstanding() > 0 && systemClock.monotonic() < graceEnd) await new Promise<void>((r) => systemTimer.setTimeout(r, 10));
  stats.unanswered = outstanding();
  stats.busyOverloaded = conns.reduce((a, c) => a + c.scanner.busyOverloaded, 0);
  for (const c of conns) c.socket.destroy();
  return stats;
}

/**
 * Sets `key:NNNNNN` to 16 bytes for `keys` keys over one connection, 1000 keys per `MSET`, and
 * waits for every reply (a workload such as {@link KEYS_WORKLOAD} needs a keyspace to scan). Few
 * requests, so a server's per-connection admission rate does not refuse them.
 * @throws ShnError `TRANSPORT_FAILED` if the connection fails, `PROTOCOL_ERROR` if a reply is not `+OK`,
 *   `TIMEOUT` if the replies do not all come within `timeoutMs` (default 30 s).
 */
export async function preloadKeys(port: number, keys: number, timeoutMs = 30_000): Promise<void> {
  if (keys <= 0) return;
  const socket = net.connect({ port, host: '127.0.0.1' });
  const scanner = new ReplyScanner();
  try {
    await new Promise<void>((resolve, reject) => {
      const batches = Math.ceil(keys / 1000);
      let answered = 0;
      const timer = systemTimer.setTimeout(() => reject(new ShnError('TIMEOUT', `preload: ${answered} of ${batches} MSETs answered in ${timeoutMs} ms`)), timeoutMs);
      const fail = (e: ShnError) => {
        systemTimer.clearTimeout(timer);
        reject(e);
      };
      socket.once('error', (e) => fail(new ShnError('TRANSPORT_FAILED', `preload cannot talk to port ${port}: ${e.message}`)));
      socket.on('data', (chunk: Buffer) => {
        try {
          scanner.push(chunk, (kind) => {
            if (kind !== 'ok') throw new ShnError('PROTOCOL_ERROR', `preload: MSET answered ${kind}: ${scanner.firstError ?? 'BUSY'}`);
            answered++;
          });
        } catch (e) {
          fail(e as ShnError);
          return;
        }
        if (answered === batches) {
          systemTimer.clearTimeout(timer);
          resolve();
        }
      });
      socket.once('connect', () => {
        for (let from = 0; from < keys; from += 1000) {
          const args = ['MSET'];
          for (let i = from; i < Math.min(keys, from + 1000); i++) args.push(`key:${String(i).padStart(6, '0')}`, 'v'.repeat(16));
          socket.write(encode(args));
        }
      });
    });
  } finally {
    socket.destroy();
  }
}

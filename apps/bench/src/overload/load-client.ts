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
}

const KEYS = 10_000;
const VALUE = 'v'.repeat(16);

/** `SET k:NNNNN <16 bytes>` for every key, all the same length, back to back. */
function encodeCommands(): { bytes: Buffer; size: number; count: number } {
  const one = (i: number) => {
    const key = `k:${String(i).padStart(5, '0')}`;
    return `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${VALUE.length}\r\n${VALUE}\r\n`;
  };
  const size = Buffer.byteLength(one(0));
  return { bytes: Buffer.from(Array.from({ length: KEYS }, (_, i) => one(i)).join(''), 'latin1'), size, count: KEYS };
}

const COMMANDS = encodeCommands();
const MAX_LATENCIES = 2_000_000;

/**
 * Drives a RESP server with SET requests over `connections` sockets, open loop (paced to
 * `ratePerSec`, sent in batches every millisecond) or closed loop (`depth` outstanding per
 * connection), for `durationMs`, then waits for the remaining replies. Latency is from the
 * write of a request to its reply (pipelined replies come back in order).
 */
export async function runLoadPhase(o: PhaseOptions): Promise<PhaseStats> {
  const stats: PhaseStats = { sent: 0, notSent: 0, ok: 0, busy: 0, errors: 0, unanswered: 0, latencies: [], durationMs: 0, firstError: undefined };
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
        const conn = { socket, times: [] as number[], head: 0, cursor: (c * 997) % COMMANDS.count, scanner: new ReplyScanner(), due: 0 };
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
      const take = Math.min(left, COMMANDS.count - conn.cursor);
      conn.socket.write(COMMANDS.bytes.subarray(conn.cursor * COMMANDS.size, (conn.cursor + take) * COMMANDS.size));
      conn.cursor = (conn.cursor + take) % COMMANDS.count;
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
  for (const c of conns) c.socket.destroy();
  return stats;
}

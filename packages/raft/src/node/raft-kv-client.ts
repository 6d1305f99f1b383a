import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { ConnectionOptions } from 'node:tls';
import { ShnError, systemClock, systemRng, systemTimer } from '@shn/core';
import type { Clock, Rng, Timer } from '@shn/core';
import type { RaftStatus } from '../raw-node.js';
import { FrameReader, encodeFrame } from './frame-codec.js';
import type { Frame } from './frame-codec.js';

/** Options of {@link RaftKvClient}. */
export interface RaftKvClientOptions {
  /** Every node's `host:port`. */
  readonly nodes: readonly string[];
  /** Per-attempt timeout, ms; default 1000. */
  readonly attemptTimeoutMs?: number;
  /** Give up after this long, ms; default 10 000 (then `TIMEOUT`). */
  readonly timeoutMs?: number;
  readonly tls?: ConnectionOptions;
  readonly clock?: Clock;
  readonly timer?: Timer;
  readonly rng?: Rng;
}

interface Waiting {
  readonly socket: Socket;
  readonly resolve: (f: Extract<Frame, { t: 'res' }>) => void;
  readonly reject: (e: Error) => void;
}

/**
 * A client of {@link RaftKvServer} that follows leader changes: it tries the node it believes
 * leads, follows `NOT_LEADER` hints, and retries on timeouts and broken connections with the same
 * session sequence number, so a write takes effect exactly once.
 */
export class RaftKvClient {
  readonly #nodes: string[];
  readonly #attemptMs: number;
  readonly #timeoutMs: number;
  readonly #tls: ConnectionOptions | undefined;
  readonly #timer: Timer;
  readonly #clock: Clock;
  readonly #session: string;
  #seq = 0;
  #reqId = 0;
  #current = 0;
  #socket: Socket | undefined;
  #waiting = new Map<number, Waiting>();
  #closed = false;

  constructor(options: RaftKvClientOptions) {
    if (!Array.isArray(options?.nodes) || options.nodes.length === 0) throw new ShnError('INVALID_ARGUMENT', 'raft client: nodes must list host:port addresses');
    this.#nodes = [...options.nodes];
    this.#attemptMs = options.attemptTimeoutMs ?? 1000;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#tls = options.tls;
    this.#timer = options.timer ?? systemTimer;
    this.#clock = options.clock ?? systemClock;
    const rng = options.rng ?? systemRng;
    this.#session = `c${rng.int(2 ** 31).toString(36)}${rng.int(2 ** 31).toString(36)}`;
    this.#current = rng.int(this.#nodes.length);
  }

  put(key: string, value: string): Promise<string | null> {
    return this.#call('put', key, value);
  }

  append(key: string, value: string): Promise<string | null> {
    return this.#call('append', key, value);
  }

  delete(key: string): Promise<string | null> {
    return this.#call('delete', key, undefined);
  }

  /** The status (RaftStatus as JSON) of the node at `addr`, asked directly (no retry, no leader following). */
  async status(addr: string): Promise<RaftStatus> {
    const c = new RaftKvClient({ nodes: [addr], attemptTimeoutMs: this.#attemptMs, timeoutMs: this.#attemptMs });
    try {
      return JSON.parse((await c.#call('status', '', undefined)) ?? 'null') as RaftStatus;
    } finally {
      c.close();
    }
  }

  /** A linearizable read. */
  get(key: string): Promise<string | null> {
    return this.#call('get', key, undefined);
  }

  #connect(): Socket {
    if (this.#socket !== undefined && !this.#socket.destroyed) return this.#socket;
    const addr = this.#nodes[this.#current] as string;
    const i = addr.lastIndexOf(':');
    const host = addr.slice(0, i);
    const port = Number(addr.slice(i + 1));
    const s = this.#tls === undefined ? netConnect(port, host) : tlsConnect({ ...this.#tls, host, port });
    s.setNoDelay(true);
    const reader = new FrameReader();
    const fail = (e: Error) => {
      for (const [id, w] of this.#waiting) {
        if (w.socket !== s) continue;
        this.#waiting.delete(id);
        w.reject(e);
      }
      if (this.#socket === s) this.#socket = undefined;
    };
    s.on('error', (e) => {
      s.destroy();
      fail(new ShnError('TRANSPORT_FAILED', `raft client: ${addr}: ${e.message}`));
    });
    s.on('close', () => fail(new ShnError('TRANSPORT_FAILED', `raft client: ${addr} closed`)));
    s.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = reader.push(chunk);
      } catch (e) {
        s.destroy();
        fail(e as Error);
        return;
      }
      for (const f of frames) {
        if (f.t !== 'res') continue;
        const w = this.#waiting.get(f.id);
        if (w === undefined) continue;
        this.#waiting.delete(f.id);
        w.resolve(f);
      }
    });
    s.write(encodeFrame({ t: 'hello', client: true }));
    this.#socket = s;
    return s;
  }

  #attempt(frame: Extract<Frame, { t: 'req' }>): Promise<Extract<Frame, { t: 'res' }>> {
    return new Promise((resolve, reject) => {
      const s = this.#connect();
      const h = this.#timer.setTimeout(() => {
        this.#waiting.delete(frame.id);
        reject(new ShnError('TIMEOUT', 'raft client: attempt timed out'));
      }, this.#attemptMs);
      this.#waiting.set(frame.id, {
        socket: s,
        resolve: (f) => {
          this.#timer.clearTimeout(h);
          resolve(f);
        },
        reject: (e) => {
          this.#timer.clearTimeout(h);
          reject(e);
        },
      });
      s.write(encodeFrame(frame));
    });
  }

  #switchTo(hint: string | undefined): void {
    this.#socket?.destroy();
    this.#socket = undefined;
    const addr = hint?.split('=')[1];
    const known = addr === undefined ? -1 : this.#nodes.indexOf(addr);
    this.#current = known >= 0 ? known : (this.#current + 1) % this.#nodes.length;
  }

  async #call(op: string, key: string, value: string | undefined): Promise<string | null> {
    if (this.#closed) throw new ShnError('RUNTIME_CLOSED', 'raft client: closed');
    if (typeof key !== 'string') throw new ShnError('INVALID_ARGUMENT', 'raft client: key must be a string');
    const seq = op === 'get' ? 0 : ++this.#seq;
    const deadline = this.#clock.monotonic() + this.#timeoutMs;
    let last: Error | undefined;
    while (this.#clock.monotonic() < deadline) {
      const frame = { t: 'req' as const, id: ++this.#reqId, op, key, ...(value === undefined ? {} : { value }), client: this.#session, seq };
      try {
        const res = await this.#attempt(frame);
        if (res.ok) return res.value ?? null;
        if (res.code === 'NOT_LEADER') {
          this.#switchTo(res.leader);
          if (res.leader === undefined) await new Promise<void>((r) => this.#timer.setTimeout(r, 20));
          continue;
        }
        throw new ShnError((res.code as never) ?? 'INTERNAL', res.message ?? 'raft server error');
      } catch (e) {
        if (e instanceof ShnError && e.code !== 'TIMEOUT' && e.code !== 'TRANSPORT_FAILED') throw e;
        last = e as Error;
        this.#switchTo(undefined);
        await new Promise<void>((r) => this.#timer.setTimeout(r, 20));
      }
    }
    throw new ShnError('TIMEOUT', `raft client: ${op} ${JSON.stringify(key)} did not complete within ${this.#timeoutMs} ms${last === undefined ? '' : `: ${last.message}`}`);
  }

  close(): void {
    this.#closed = true;
    this.#socket?.destroy();
  }
}

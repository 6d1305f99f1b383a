import { createServer as createNetServer, connect as netConnect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { createServer as createTlsServer, connect as tlsConnect } from 'node:tls';
import type { ConnectionOptions, TlsOptions } from 'node:tls';
import { ShnError, silentLogger, systemRng, systemTimer } from '@shn/core';
import type { Logger, Rng, Timer, TimerHandle } from '@shn/core';
import { RawNode } from '../raw-node.js';
import type { ConfState, Message, NodeId } from '../types.js';
import { EMPTY_CONF } from '../types.js';
import { DiskRaftStorage } from '../wal/disk-storage.js';
import type { FsyncPolicy } from '../wal/disk-storage.js';
import { FrameReader, encodeFrame } from './frame-codec.js';
import type { Frame } from './frame-codec.js';
import { KvStateMachine } from './kv-state-machine.js';

/** Options of {@link RaftKvServer.start}. */
export interface RaftKvServerOptions {
  /** This node's id; must be a key of `peers`. */
  readonly id: NodeId;
  /** Every initial member's `host:port` (this node's included): the address it listens on and peers dial. */
  readonly peers: Readonly<Record<NodeId, string>>;
  /** The data directory (WAL and snapshot). */
  readonly dir: string;
  /** WAL fsync policy; default `always` (an acknowledged write survives kill -9 and power loss). */
  readonly fsync?: FsyncPolicy;
  /** Milliseconds per Raft tick; default 10. Election timeout is `electionTick` ticks (default 10). */
  readonly tickMs?: number;
  readonly electionTick?: number;
  /** Applied entries between snapshots (then the WAL is compacted); default 10 000. */
  readonly snapshotEvery?: number;
  /** TLS for node-to-node and client connections (e.g. from @shn/security's mutual-TLS helpers). */
  readonly tls?: { readonly server: TlsOptions; readonly client: ConnectionOptions };
  readonly timer?: Timer;
  readonly rng?: Rng;
  readonly log?: Logger;
  /** Join an existing group instead of bootstrapping a new one (the storage starts empty). */
  readonly join?: boolean;
}

interface Pending {
  readonly socket: Socket;
  readonly id: number;
}

function splitHostPort(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  const port = Number(addr.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) throw new ShnError('INVALID_ARGUMENT', `address must be host:port, got ${JSON.stringify(addr)}`);
  return { host: addr.slice(0, i), port };
}

/**
 * One node of a replicated key-value store on {@link RawNode}: a TCP (or TLS) listener for peers
 * and clients, a write-ahead log on disk, and the {@link KvStateMachine}. Writes are acknowledged
 * once committed and applied; reads are linearizable (ReadIndex) on any node.
 */
export class RaftKvServer {
  readonly id: NodeId;
  readonly raw: RawNode;
  readonly #storage: DiskRaftStorage;
  readonly #sm = new KvStateMachine();
  readonly #server: Server;
  readonly #peers: Map<NodeId, { host: string; port: number }>;
  readonly #out = new Map<NodeId, Socket>();
  readonly #conns = new Set<Socket>();
  readonly #timer: Timer;
  readonly #log: Logger;
  readonly #tls: RaftKvServerOptions['tls'];
  readonly #snapshotEvery: number;
  readonly #writes = new Map<string, Pending>();
  readonly #reads = new Map<string, Pending & { key: string }>();
  #readyReads: { index: number; context: string }[] = [];
  #tickHandle: TimerHandle | undefined;
  #tickMs: number;
  #scheduled = false;
  #closed = false;
  #readSeq = 0;
  #lastSnap = 0;

  private constructor(options: RaftKvServerOptions, storage: DiskRaftStorage, server: Server) {
    this.id = options.id;
    this.#storage = storage;
    this.#server = server;
    this.#timer = options.timer ?? systemTimer;
    this.#log = options.log ?? silentLogger;
    this.#tls = options.tls;
    this.#tickMs = options.tickMs ?? 10;
    this.#snapshotEvery = options.snapshotEvery ?? 10_000;
    this.#peers = new Map(Object.entries(options.peers).map(([id, a]) => [id, splitHostPort(a)]));
    const snap = storage.snapshot();
    this.#sm.restore(snap.data);
    this.#lastSnap = snap.meta.index;
    this.raw = new RawNode({
      id: options.id,
      storage,
      electionTick: options.electionTick ?? 10,
      heartbeatTick: 1,
      rng: options.rng ?? systemRng,
      applied: snap.meta.index,
    });
  }

  /**
   * Opens the storage (bootstrapping a new group when it is empty and `join` is not set), listens,
   * and starts ticking.
   * @throws ShnError `INVALID_ARGUMENT` for bad options; storage errors (`DATA_CORRUPT`, …) as they are.
   */
  static async start(options: RaftKvServerOptions): Promise<RaftKvServer> {
    if (typeof options?.peers !== 'object' || options.peers === null || !(options.id in options.peers)) {
      throw new ShnError('INVALID_ARGUMENT', 'raft server: peers must map every member id (this node included) to host:port');
    }
    const tickMs = options.tickMs ?? 10;
    if (!Number.isFinite(tickMs) || tickMs <= 0) throw new ShnError('INVALID_ARGUMENT', `raft server: tickMs must be > 0, got ${String(tickMs)}`);
    const storage = DiskRaftStorage.open({ dir: options.dir, nodeId: options.id, ...(options.fsync === undefined ? {} : { fsync: options.fsync }) });
    if (storage.lastIndex() === 0 && options.join !== true) {
      const conf: ConfState = { ...EMPTY_CONF, voters: Object.keys(options.peers).sort() };
      storage.bootstrap(conf);
    }
    const holder: { node?: RaftKvServer } = {};
    const onConn = (socket: Socket) => holder.node?.accept(socket);
    const server = options.tls === undefined ? createNetServer(onConn) : createTlsServer(options.tls.server, onConn as never);
    const node = new RaftKvServer(options, storage, server);
    holder.node = node;
    const { host, port } = splitHostPort(options.peers[options.id] as string);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    node.#armTick();
    return node;
  }

  /** The listening address. */
  get address(): { host: string; port: number } {
    const a = this.#server.address();
    if (a === null || typeof a === 'string') throw new ShnError('INTERNAL', 'raft server: not listening');
    return { host: a.address, port: a.port };
  }

  #armTick(): void {
    if (this.#closed) return;
    this.#tickHandle = this.#timer.setTimeout(() => {
      this.raw.tick();
      this.#schedule();
      this.#armTick();
    }, this.#tickMs);
  }

  #schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    // setImmediate, not a microtask: every socket read in this poll phase joins one Ready (one fsync).
    setImmediate(() => {
      this.#scheduled = false;
      this.#process();
    });
  }

  /** Handles an inbound connection (peer or client). */
  accept(socket: Socket): void {
    const reader = new FrameReader();
    this.#conns.add(socket);
    socket.on('close', () => this.#conns.delete(socket));
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = reader.push(chunk);
      } catch (e) {
        this.#log.warn('raft: closing a connection that broke the protocol', { error: (e as Error).message });
        socket.destroy();
        return;
      }
      for (const f of frames) this.#onFrame(socket, f);
      this.#schedule();
    });
  }

  #onFrame(socket: Socket, f: Frame): void {
    if (f.t === 'raft') {
      for (const m of f.msgs) {
        try {
          this.raw.step(m);
        } catch (e) {
          this.#log.warn('raft: refused a message', { from: m.from, type: m.type, error: (e as Error).message });
        }
      }
    } else if (f.t === 'req') {
      this.#onRequest(socket, f);
    }
  }

  #reply(p: Pending, res: Omit<Extract<Frame, { t: 'res' }>, 't' | 'id'>): void {
    if (!p.socket.destroyed) p.socket.write(encodeFrame({ t: 'res', id: p.id, ...res }));
  }

  #leaderHint(): string | undefined {
    const lead = this.raw.status().lead;
    const a = lead === '' ? undefined : this.#peers.get(lead);
    return a === undefined ? undefined : `${lead}=${a.host}:${a.port}`;
  }

  #onRequest(socket: Socket, r: Extract<Frame, { t: 'req' }>): void {
    const p: Pending = { socket, id: r.id };
    try {
      if (r.op === 'status') {
        this.#reply(p, { ok: true, value: JSON.stringify(this.raw.status()) });
        return;
      }
      if (r.op === 'get') {
        const ctx = `${this.id}:${++this.#readSeq}`;
        this.raw.readIndex(ctx);
        this.#reads.set(ctx, { ...p, key: r.key });
        return;
      }
      if (r.op !== 'put' && r.op !== 'append' && r.op !== 'delete') throw new ShnError('INVALID_ARGUMENT', `unknown op ${JSON.stringify(r.op)}`);
      if (this.raw.status().role !== 'leader') {
        throw new ShnError('NOT_LEADER', `node ${this.id} is not the leader`);
      }
      const data = KvStateMachine.encode({ op: r.op, key: r.key, ...(r.value === undefined ? {} : { value: r.value }), client: r.client, seq: r.seq });
      this.raw.propose(data);
      this.#writes.set(`${r.client}:${r.seq}`, p);
    } catch (e) {
      const err = e as ShnError;
      const leader = this.#leaderHint();
      this.#reply(p, { ok: false, code: err.code ?? 'INTERNAL', message: err.message, ...(leader === undefined ? {} : { leader }) });
    }
  }

  #peerSocket(id: NodeId): Socket | undefined {
    const existing = this.#out.get(id);
    if (existing !== undefined && !existing.destroyed) return existing;
    const addr = this.#peers.get(id);
    if (addr === undefined) return undefined;
    const s = this.#tls === undefined ? netConnect(addr.port, addr.host) : tlsConnect({ ...this.#tls.client, host: addr.host, port: addr.port });
    s.setNoDelay(true);
    s.on('error', () => {
      s.destroy();
      this.raw.reportUnreachable(id);
    });
    s.on('close', () => {
      if (this.#out.get(id) === s) this.#out.delete(id);
    });
    s.write(encodeFrame({ t: 'hello', peer: this.id }));
    // replies from the peer come over its own connection to us; drain anything sent back here
    s.on('data', () => undefined);
    this.#out.set(id, s);
    return s;
  }

  #send(msgs: readonly Message[]): void {
    const byPeer = new Map<NodeId, Message[]>();
    for (const m of msgs) {
      const list = byPeer.get(m.to);
      if (list === undefined) byPeer.set(m.to, [m]);
      else list.push(m);
    }
    for (const [to, list] of byPeer) {
      const s = this.#peerSocket(to);
      if (s === undefined) continue;
      if (s.writableLength > 64 << 20) {
        this.raw.reportUnreachable(to); // the peer is not reading: drop (Raft retransmits)
        continue;
      }
      s.write(encodeFrame({ t: 'raft', msgs: list }));
    }
  }

  #process(): void {
    if (this.#closed) return;
    while (this.raw.hasReady()) {
      const rd = this.raw.ready();
      // A leader's appends may leave before its own write is durable (Raft thesis §10.2.1): it
      // applies and acknowledges only entries that are stable locally too, so an acknowledged write
      // is on a durable majority. Every other message (votes, acknowledgements) waits for the fsync.
      const early = rd.messages.filter((m) => m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap');
      const late = early.length === 0 ? rd.messages : rd.messages.filter((m) => m.type !== 'app' && m.type !== 'heartbeat' && m.type !== 'snap');
      this.#send(early);
      this.#storage.save(rd.hardState, rd.entries, rd.snapshot);
      this.#send(late);
      if (rd.snapshot !== undefined) {
        this.#sm.restore(rd.snapshot.data);
        this.#lastSnap = rd.snapshot.meta.index;
      }
      for (const e of rd.committedEntries) {
        if (e.type === 'conf') {
          this.raw.applyConfChange(e);
          continue;
        }
        if (e.data.length === 0) continue;
        let applied: { client: string; seq: number; result: string | null };
        try {
          applied = this.#sm.apply(e.data);
        } catch (err) {
          this.#log.error('raft: skipped an entry that is not a command', { index: e.index, error: (err as Error).message });
          continue;
        }
        const key = `${applied.client}:${applied.seq}`;
        const p = this.#writes.get(key);
        if (p !== undefined) {
          this.#writes.delete(key);
          this.#reply(p, { ok: true, value: applied.result });
        }
      }
      this.#readyReads.push(...rd.readStates);
      if (rd.softState !== undefined && rd.softState.role !== 'leader') this.#failPendingWrites();
      this.raw.advance();
      this.#serveReads();
      const applied = this.raw.status().applied;
      if (applied - this.#lastSnap >= this.#snapshotEvery) {
        this.#storage.snapshotAndCompact(applied, this.raw.status().conf, this.#sm.snapshot());
        this.#lastSnap = applied;
      }
    }
  }

  #failPendingWrites(): void {
    const leader = this.#leaderHint();
    const res = { ok: false, code: 'NOT_LEADER', message: `node ${this.id} lost leadership`, ...(leader === undefined ? {} : { leader }) };
    for (const p of this.#writes.values()) this.#reply(p, res);
    for (const p of this.#reads.values()) this.#reply(p, res);
    this.#writes.clear();
    this.#reads.clear();
    this.#readyReads = [];
  }

  #serveReads(): void {
    const applied = this.raw.status().applied;
    const keep: { index: number; context: string }[] = [];
    for (const rs of this.#readyReads) {
      if (rs.index > applied) {
        keep.push(rs);
        continue;
      }
      const p = this.#reads.get(rs.context);
      if (p === undefined) continue;
      this.#reads.delete(rs.context);
      this.#reply(p, { ok: true, value: this.#sm.get(p.key) });
    }
    this.#readyReads = keep;
  }

  /** Stops listening and ticking and closes the storage. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#tickHandle !== undefined) this.#timer.clearTimeout(this.#tickHandle);
    for (const s of this.#out.values()) s.destroy();
    for (const s of this.#conns) s.destroy();
    await new Promise<void>((r) => this.#server.close(() => r()));
    this.#storage.close();
  }
}

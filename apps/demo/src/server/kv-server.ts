import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TlsOptions } from 'node:tls';
import type { AdmissionControl } from '@shn/backpressure';
import { ShnError } from '@shn/core';
import { createClientSession } from '../kv/client-session.js';
import type { CommandRouter } from '../kv/command-executor.js';
import { Connection, DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './connection.js';
import type { ServerCounters } from './server-counters.js';

/** Options for {@link listenKv}. */
export interface KvListenOptions {
  readonly router: CommandRouter;
  readonly counters: ServerCounters;
  /** Interface to bind (default 127.0.0.1). */
  readonly host?: string;
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  readonly limits?: Partial<ConnectionLimits>;
  /** Listen with SO_REUSEPORT (Node >= 22.12 / 23.1 on Linux), so several threads share the port. */
  readonly reusePort?: boolean;
  /** Client ids this listener hands out: `first`, `first + step`, ... (default 1, 1). */
  readonly clientIds?: { readonly first: number; readonly step: number };
  /** The shard thread this listener runs in (named by CLIENT LIST), if any. */
  readonly shard?: number;
  /** Serve TLS with these `node:tls` options (from `tlsServerOptions`) instead of plain TCP. */
  readonly tls?: TlsOptions;
  /** Admission control shared by this listener's connections (each gets its own token bucket); none: admit all. */
  readonly admission?: AdmissionControl;
}

/** A listening RESP server. */
export interface KvListener {
  /** The bound port. */
  readonly port: number;
  /** Stops accepting, closes every client connection, resolves when the listener is closed. */
  close(): Promise<void>;
  /** Stops accepting new connections; the open ones carry on (until {@link KvListener.close}). */
  stopAccepting(): void;
  /** The `node:tls` server, when listening with `tls` (for certificate reload). */
  readonly tlsServer?: TlsServer;
}

/**
 * Starts the RESP TCP server in the calling (main) thread: one {@link Connection} per client.
 *
 * @throws ShnError `INVALID_ARGUMENT` for a bad port, `TRANSPORT_FAILED` if binding fails
 *   (e.g. the port is in use).
 */
export function listenKv(options: KvListenOptions): Promise<KvListener> {
  const { port, counters } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    return Promise.reject(new ShnError('INVALID_ARGUMENT', `port must be an integer in [0, 65535], got ${String(port)}`));
  }
  const limits = { ...DEFAULT_CONNECTION_LIMITS, ...options.limits };
  const sockets = new Set<Socket>();
  const onSocket = (socket: Socket): void => {
    sockets.add(socket);
    counters.connectedClients++;
    counters.totalConnections++;
    const addr = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    const id = (options.clientIds?.first ?? 1) + (counters.nextClientId++ - 1) * (options.clientIds?.step ?? 1);
    const session = createClientSession(id, addr);
    if (options.shard !== undefined) session.shard = options.shard;
    new Connection(socket, options.router, session, counters, limits, options.admission?.connection());
    socket.on('close', () => {
      sockets.delete(socket);
      counters.connectedClients--;
    });
  };
  const server: Server = options.tls === undefined ? createServer(onSocket) : createTlsServer(options.tls, onSocket);
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(new ShnError('TRANSPORT_FAILED', `cannot listen on ${options.host ?? '127.0.0.1'}:${port}: ${err.message}`, { cause: err }));
    server.once('error', onError);
    const listen = { port, host: options.host ?? '127.0.0.1', ...(options.reusePort === true ? { reusePort: true } : {}) };
    try {
      server.listen(listen, () => {
      server.off('error', onError);
      const bound = (server.address() as AddressInfo).port;
      if (options.tls === undefined) counters.tcpPort = bound;
      let closed: Promise<void> | undefined;
      resolve({
        port: bound,
        ...(options.tls === undefined ? {} : { tlsServer: server as TlsServer }),
        stopAccepting: () => {
          closed ??= new Promise<void>((done) => server.close(() => done()));
        },
        close: () => {
          closed ??= new Promise<void>((done) => server.close(() => done()));
          for (const s of sockets) s.destroy();
          return closed;
        },
      });
      });
    } catch (err) {
      onError(err as Error);
    }
  });
}

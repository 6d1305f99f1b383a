import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ShnError } from '@shn/core';
import type { KvAdminHandler } from '../telemetry/kv-admin.js';

/** What the admin endpoints report. */
export interface HealthSource {
  /** True once startup has finished (shards up, RESP port listening). */
  started(): boolean;
  /** Readiness; `notReady` lists what is not (e.g. `{ shard: 1, state: 'restarting' }`). */
  readiness(): { ready: boolean; notReady: readonly unknown[] };
  /** JSON-safe gauges for /info. */
  info(): unknown;
}

/** A listening admin HTTP server. */
export interface AdminListener {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts the admin HTTP server (node:http), Kubernetes-style:
 * - `GET /livez`: 200 while the event loop answers;
 * - `GET /readyz`: 200 when every shard is up and accepting, else 503 with JSON naming the shards that are not;
 * - `GET /startupz`: 200 once startup finished, else 503;
 * - `GET /info`: JSON gauges.
 * Anything else is 404; methods other than GET/HEAD are 405.
 *
 * @throws ShnError `TRANSPORT_FAILED` if binding fails.
 */
export function listenAdmin(options: { host?: string; port: number; health: HealthSource; telemetry?: () => KvAdminHandler | undefined }): Promise<AdminListener> {
  const { health } = options;
  const telemetry = options.telemetry ?? (() => undefined);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, body: unknown): void => {
      const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : text);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, { error: 'method not allowed' });
    const [path, query] = (req.url ?? '/').split('?');
    const t = telemetry();
    // @shn/telemetry serves /metrics, /debug/* and the verbose probes (JSON per shard).
    if (path === '/metrics' || path === '/debug/profile' || path === '/debug/heap' || (query !== undefined && /^(\/livez|\/readyz|\/startupz)$/.test(path ?? ''))) {
      if (t !== undefined) return t.handle(req, res);
      return send(503, { error: 'starting: the runtime is not up yet' });
    }
    try {
      switch (path) {
        case '/livez':
          return send(200, { live: true });
        case '/readyz': {
          const r = health.readiness();
          if (!r.ready || t === undefined) return send(r.ready ? 200 : 503, r);
          // Also ask every shard for a ping (bounded at 250 ms): a stuck shard is not ready.
          void t.ready().then(
            (ok) => send(ok ? 200 : 503, ok ? r : { ready: false, notReady: [{ reason: 'a shard did not answer a ping in time (see /readyz?verbose)' }] }),
            (err: unknown) => send(500, { error: String(err) }),
          );
          return;
        }
        case '/startupz': {
          const started = health.started();
          return send(started ? 200 : 503, { started });
        }
        case '/info':
          return send(200, health.info());
        default:
          return send(404, { error: 'not found', paths: ['/livez', '/readyz', '/startupz', '/info', '/metrics', '/debug/profile', '/debug/heap'] });
      }
    } catch (err) {
      return send(500, { error: String(err) });
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new ShnError('TRANSPORT_FAILED', `admin server cannot listen on port ${options.port}: ${err.message}`, { cause: err })));
    server.listen(options.port, options.host ?? '127.0.0.1', () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

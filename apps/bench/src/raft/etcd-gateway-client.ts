import http from 'node:http';
import { ShnError } from '@shn/core';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/**
 * A client of etcd's JSON gateway (grpc-gateway, `/v3/...`) over one keep-alive HTTP/1.1
 * connection: what a JavaScript program without a gRPC stack would use.
 */
export class EtcdGatewayClient {
  readonly #agent: http.Agent;
  readonly #host: string;
  readonly #port: number;

  /** `endpoint` is `http://host:port` of one member. */
  constructor(endpoint: string) {
    const url = new URL(endpoint);
    this.#host = url.hostname;
    this.#port = Number(url.port);
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  }

  /**
   * POSTs `body` (JSON) to `path` and resolves with the parsed JSON reply.
   * Rejects with ShnError TRANSPORT_FAILED on a connection error and INTERNAL on a non-200 reply.
   */
  call(path: string, body: unknown): Promise<Record<string, unknown>> {
    const payload = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: this.#host, port: this.#port, path, method: 'POST', agent: this.#agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => {
            if (res.statusCode !== 200) {
              reject(new ShnError('INTERNAL', `etcd ${path}: HTTP ${String(res.statusCode)}: ${text.slice(0, 300)}`));
              return;
            }
            try {
              resolve(JSON.parse(text) as Record<string, unknown>);
            } catch (e) {
              reject(new ShnError('DECODE_FAILED', `etcd ${path}: reply is not JSON: ${text.slice(0, 300)}`, { cause: e }));
            }
          });
        },
      );
      req.on('error', (e) => reject(new ShnError('TRANSPORT_FAILED', `etcd ${path}: ${e.message}`, { cause: e })));
      req.end(payload);
    });
  }

  /** `POST /v3/kv/put`: resolves once etcd acknowledged the write (committed by a quorum). */
  async put(key: string, value: string): Promise<void> {
    const r = await this.call('/v3/kv/put', { key: b64(key), value: b64(value) });
    if (typeof r['header'] !== 'object') throw new ShnError('DECODE_FAILED', `etcd put: reply has no header: ${JSON.stringify(r).slice(0, 200)}`);
  }

  /** `POST /v3/kv/range` of one key: its value, or null when it does not exist. */
  async get(key: string): Promise<string | null> {
    const r = await this.call('/v3/kv/range', { key: b64(key) });
    const kvs = r['kvs'] as { value?: string }[] | undefined;
    const v = kvs?.[0]?.value;
    return v === undefined ? null : Buffer.from(v, 'base64').toString('utf8');
  }

  /** Closes the keep-alive connection. */
  close(): void {
    this.#agent.destroy();
  }
}

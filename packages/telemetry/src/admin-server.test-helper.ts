import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createAdminHandler } from './admin-handler.js';
import type { AdminHandler, AdminOptions } from './admin-handler.js';

/** A real HTTP server on 127.0.0.1:0 serving the admin handler; `get` fetches a path. */
export interface AdminServer {
  readonly handler: AdminHandler;
  readonly url: string;
  get(path: string, init?: RequestInit): Promise<{ status: number; type: string; text: string }>;
  close(): Promise<void>;
}

/** Starts {@link createAdminHandler} on an ephemeral loopback port. */
export async function startAdminServer(options: AdminOptions): Promise<AdminServer> {
  const handler = createAdminHandler(options);
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    handler,
    url,
    async get(path, init) {
      const r = await fetch(url + path, init);
      return { status: r.status, type: r.headers.get('content-type') ?? '', text: await r.text() };
    },
    close: () =>
      new Promise<void>((resolve) => {
        handler.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One sample line of the Prometheus text format. */
export interface PromSample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Parses the sample lines of a Prometheus text page (comments skipped). */
export function parsePrometheus(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`bad metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] as string] = l[2] as string;
    out.push({ name: m[1] as string, labels, value: Number(m[4]) });
  }
  return out;
}

/** The value of the one sample named `name` whose labels include `labels` (undefined if none; throws if several). */
export function sampleValue(samples: readonly PromSample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const hits = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (hits.length > 1) throw new Error(`${hits.length} samples match ${name} ${JSON.stringify(labels)}`);
  return hits[0]?.value;
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { createReadStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShnError, isShnError, systemClock, systemTimer, toShnError } from '@shn/core';
import type { Clock, ShnErrorCode, Timer } from '@shn/core';
import type { Registry } from 'prom-client';
import { flagParam, parseQuery, parseSecondsParam, parseShardParam } from './admin-query.js';
import { createHealthProbes } from './health.js';
import type { HealthProbes, ProbeResult } from './health.js';
import { PROMETHEUS_CONTENT_TYPE } from './metrics-merge.js';
import { fromPayload } from './payload.js';
import { MAX_PROFILE_SECONDS, recordCpuProfile, writeThreadHeapSnapshot } from './profiler.js';
import { createScraper } from './scraper.js';
import type { Scraper } from './scraper.js';
import { PROFILER_KIND, TELEMETRY_MESSAGES } from './telemetry-kinds.js';
import type { TelemetryRuntime } from './telemetry-runtime.js';

/** Options of {@link createAdminHandler}. */
export interface AdminOptions {
  readonly runtime: TelemetryRuntime;
  /** The main thread's registry (merged into `/metrics` as `shard="main"`). */
  readonly registry?: Registry;
  /** Per-shard scrape timeout, ms (default 1000). */
  readonly scrapeTimeoutMs?: number;
  /** Readiness ping timeout, ms (default 250). */
  readonly pingTimeoutMs?: number;
  /** Longest CPU profile accepted, seconds (default 60, at most 300). */
  readonly maxProfileSeconds?: number;
  /** Heap snapshot ask timeout, ms (default 120000). */
  readonly heapTimeoutMs?: number;
  readonly clock?: Clock;
  readonly timer?: Timer;
}

/** A `node:http` request listener with a `close()` that stops its runtime subscription. */
export interface AdminHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  /** The probes it serves (for tests or another router). */
  readonly probes: HealthProbes;
  /** The scraper behind `/metrics`. */
  readonly scraper: Scraper;
  close(): void;
}

const STATUS: Partial<Record<ShnErrorCode, number>> = {
  INVALID_ARGUMENT: 400,
  DECODE_FAILED: 400,
  CONCURRENCY_CONFLICT: 409,
  TIMEOUT: 504,
  DEADLINE_EXCEEDED: 504,
  SHARD_CRASHED: 503,
  RUNTIME_CLOSED: 503,
  RUNTIME_FAILED: 503,
  MAILBOX_FULL: 503,
  ACTOR_NOT_FOUND: 501,
  UNSUPPORTED: 501,
};

function sendJsonError(res: ServerResponse, status: number, error: ShnError): void {
  if (res.headersSent) {
    res.destroy(error);
    return;
  }
  const body = `${JSON.stringify({ error: { code: error.code, message: error.message } })}\n`;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...headers });
  res.end(body);
}

/**
 * The admin HTTP endpoints of a runtime, as one `node:http` request listener:
 *
 * - `GET /metrics`: every shard's registry and the main thread's, merged with a `shard` label;
 *   a missing shard is marked `shn_telemetry_shard_scrape_up{shard} 0`, never an error page;
 * - `GET /livez`, `/readyz`, `/startupz` (`?verbose` for JSON per shard): Kubernetes probes;
 * - `GET /debug/profile?shard=N|main&seconds=S`: a `.cpuprofile` of that thread (default main, 10 s);
 * - `GET /debug/heap?shard=N|main`: a `.heapsnapshot` of that thread.
 *
 * Bad input (unknown path parameter, unknown shard, bad duration, malformed query) answers 400
 * with `{"error":{"code","message"}}`; unknown paths 404, other methods 405, all as JSON.
 * Shards need the kinds from `createTelemetry().kinds` for metrics, pings and profiles.
 * @throws ShnError `INVALID_ARGUMENT` for bad options.
 */
export function createAdminHandler(options: AdminOptions): AdminHandler {
  const runtime = options?.runtime;
  if (typeof runtime?.refOnShard !== 'function') throw new ShnError('INVALID_ARGUMENT', 'admin handler needs { runtime } with refOnShard()');
  const clock = options.clock ?? systemClock;
  const timer = options.timer ?? systemTimer;
  const maxProfileSeconds = options.maxProfileSeconds ?? 60;
  if (!Number.isFinite(maxProfileSeconds) || maxProfileSeconds <= 0 || maxProfileSeconds > MAX_PROFILE_SECONDS) {
    throw new ShnError('INVALID_ARGUMENT', `maxProfileSeconds must be in (0, ${MAX_PROFILE_SECONDS}], got ${String(maxProfileSeconds)}`);
  }
  const heapTimeoutMs = options.heapTimeoutMs ?? 120_000;
  if (!Number.isFinite(heapTimeoutMs) || heapTimeoutMs <= 0) throw new ShnError('INVALID_ARGUMENT', `heapTimeoutMs must be > 0, got ${String(heapTimeoutMs)}`);
  const scraper = createScraper({ runtime, ...(options.registry ? { registry: options.registry } : {}), ...(options.scrapeTimeoutMs ? { timeoutMs: options.scrapeTimeoutMs } : {}), clock });
  const probes = createHealthProbes({ runtime, ...(options.pingTimeoutMs ? { pingTimeoutMs: options.pingTimeoutMs } : {}), clock, timer });

  const probe = async (res: ServerResponse, q: Map<string, string>, run: (verbose: boolean) => Promise<ProbeResult>): Promise<void> => {
    const r = await run(flagParam(q.get('verbose')));
    send(res, r.status, r.contentType, r.body);
  };

  const streamFile = (res: ServerResponse, file: string, name: string): Promise<void> =>
    new Promise((resolve) => {
      if (!file.startsWith(join(tmpdir(), 'shn-telemetry-'))) {
        sendJsonError(res, 500, new ShnError('INTERNAL', 'snapshot written outside the temporary directory'));
        resolve();
        return;
      }
      const stream = createReadStream(file);
      stream.once('open', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-disposition': `attachment; filename="${name}"`, 'cache-control': 'no-store' });
        stream.pipe(res);
      });
      const done = (): void => {
        void unlink(file).catch(() => undefined);
        resolve();
      };
      stream.once('error', (e) => {
        sendJsonError(res, 500, new ShnError('STORE_FAILED', `cannot read snapshot: ${e.message}`));
        done();
      });
      stream.once('close', done);
    });

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = req.url ?? '/';
    const qi = raw.indexOf('?');
    const path = qi < 0 ? raw : raw.slice(0, qi);
    const query = qi < 0 ? '' : raw.slice(qi + 1);
    const known = ['/metrics', '/livez', '/readyz', '/startupz', '/debug/profile', '/debug/heap'];
    if (!known.includes(path)) {
      sendJsonError(res, 404, new ShnError('INVALID_ARGUMENT', `no such endpoint ${JSON.stringify(path.slice(0, 128))}; try ${known.join(', ')}`));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      sendJsonError(res, 405, new ShnError('UNSUPPORTED', `${path} accepts GET and HEAD, got ${String(req.method).slice(0, 16)}`));
      return;
    }
    switch (path) {
      case '/metrics': {
        parseQuery(query, []);
        send(res, 200, PROMETHEUS_CONTENT_TYPE, await scraper.render());
        return;
      }
      case '/livez':
        return probe(res, parseQuery(query, ['verbose']), probes.livez);
      case '/readyz':
        return probe(res, parseQuery(query, ['verbose']), probes.readyz);
      case '/startupz':
        return probe(res, parseQuery(query, ['verbose']), probes.startupz);
      case '/debug/profile': {
        const q = parseQuery(query, ['shard', 'seconds', 'interval']);
        const shard = parseShardParam(q.get('shard'), runtime.shards, true);
        const seconds = parseSecondsParam(q.get('seconds'), Math.min(10, maxProfileSeconds), maxProfileSeconds);
        const intervalText = q.get('interval');
        if (intervalText !== undefined && !/^[1-9][0-9]{1,6}$/.test(intervalText)) {
          throw new ShnError('INVALID_ARGUMENT', `bad interval ${JSON.stringify(intervalText.slice(0, 32))}: microseconds, an integer in [10, 1000000]`);
        }
        const interval = intervalText === undefined ? 1000 : Number(intervalText);
        let text: string;
        if (shard === 'main') {
          text = await recordCpuProfile(seconds, timer, interval);
        } else {
          const payload = await runtime
            .refOnShard(shard, PROFILER_KIND, String(shard))
            .ask(TELEMETRY_MESSAGES.profile, { seconds, samplingIntervalUs: interval }, { timeoutMs: seconds * 1000 + 30_000 });
          text = await fromPayload(payload);
        }
        const name = `shn-${shard === 'main' ? 'main' : `shard-${shard}`}.cpuprofile`;
        send(res, 200, 'application/json', text, { 'content-disposition': `attachment; filename="${name}"` });
        return;
      }
      case '/debug/heap': {
        const q = parseQuery(query, ['shard']);
        const shard = parseShardParam(q.get('shard'), runtime.shards, true);
        let file: string;
        if (shard === 'main') {
          file = writeThreadHeapSnapshot();
        } else {
          const r = await runtime.refOnShard(shard, PROFILER_KIND, String(shard)).ask<{ file?: unknown }>(TELEMETRY_MESSAGES.heap, null, { timeoutMs: heapTimeoutMs });
          if (typeof r?.file !== 'string') throw new ShnError('DECODE_FAILED', 'shard answered a heap request without a file');
          file = r.file;
        }
        await streamFile(res, file, `shn-${shard === 'main' ? 'main' : `shard-${shard}`}.heapsnapshot`);
        return;
      }
    }
  };

  const handler = ((req: IncomingMessage, res: ServerResponse): void => {
    route(req, res).catch((e: unknown) => {
      const err = toShnError(e);
      sendJsonError(res, isShnError(e) ? (STATUS[err.code] ?? 500) : 500, err);
    });
  }) as AdminHandler;
  Object.defineProperties(handler, {
    probes: { value: probes },
    scraper: { value: scraper },
    close: { value: () => probes.close() },
  });
  return handler;
}

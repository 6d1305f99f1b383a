import { ShnError, systemClock, toShnError } from '@shn/core';
import type { Clock } from '@shn/core';
import type { Registry } from 'prom-client';
import type { MetricSnapshot } from './metric-snapshot.js';
import { mergeThreadMetrics, renderPrometheus } from './metrics-merge.js';
import type { ThreadMetrics } from './metrics-merge.js';
import { fromPayload } from './payload.js';
import { TELEMETRY_KIND, TELEMETRY_MESSAGES } from './telemetry-kinds.js';
import type { TelemetryRuntime } from './telemetry-runtime.js';

/** Options of {@link createScraper}. */
export interface ScraperOptions {
  readonly runtime: TelemetryRuntime;
  /** The main thread's own registry (its sends, runtime gauges, command metrics), labelled `shard="main"`. */
  readonly registry?: Registry;
  /** How long to wait for each shard's answer, ms (default 1000, at most 30000). */
  readonly timeoutMs?: number;
  readonly clock?: Clock;
}

/** The outcome of scraping one shard. */
export interface ShardScrape {
  readonly shard: number;
  readonly ok: boolean;
  /** Why the shard's metrics are missing (restarting, timed out, …). */
  readonly error?: string;
  readonly seconds: number;
}

/** Collects every shard's registry on the main thread and renders one Prometheus page. */
export interface Scraper {
  /** Every thread's metrics merged, plus `shn_telemetry_shard_scrape_up{shard}` and `..._duration_seconds{shard}`. Never rejects for a missing shard. */
  collect(): Promise<{ metrics: MetricSnapshot[]; shards: ShardScrape[] }>;
  /** {@link collect} rendered in the Prometheus text format. */
  render(): Promise<string>;
}

/**
 * Makes the main thread's scraper. Each scrape asks every shard that is `up` for its registry
 * (one ask per shard per scrape: metrics never cost per-message traffic), in parallel, with a
 * timeout; a shard that is restarting, stuck or failing is marked
 * `shn_telemetry_shard_scrape_up{shard} 0` and the page still has every other shard.
 * @throws ShnError `INVALID_ARGUMENT` for bad options.
 */
export function createScraper(options: ScraperOptions): Scraper {
  const { runtime, registry, clock = systemClock } = options ?? ({} as ScraperOptions);
  if (typeof runtime?.refOnShard !== 'function' || typeof runtime.shardStates !== 'function') {
    throw new ShnError('INVALID_ARGUMENT', 'scraper needs { runtime } with shardStates() and refOnShard()');
  }
  const timeoutMs = options.timeoutMs ?? 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > 30_000) {
    throw new ShnError('INVALID_ARGUMENT', `scrape timeoutMs must be in (0, 30000], got ${String(timeoutMs)}`);
  }
  const scrapeShard = async (shard: number, state: string): Promise<{ scrape: ShardScrape; metrics?: MetricSnapshot[] }> => {
    const t0 = clock.monotonic();
    const took = () => (clock.monotonic() - t0) / 1000;
    if (state !== 'up') return { scrape: { shard, ok: false, error: `shard is ${state}`, seconds: 0 } };
    try {
      const payload = await runtime.refOnShard(shard, TELEMETRY_KIND, String(shard)).ask(TELEMETRY_MESSAGES.metrics, null, { timeoutMs });
      const metrics = JSON.parse(await fromPayload(payload)) as MetricSnapshot[];
      if (!Array.isArray(metrics)) throw new ShnError('DECODE_FAILED', 'shard metrics are not an array');
      return { scrape: { shard, ok: true, seconds: took() }, metrics };
    } catch (e) {
      return { scrape: { shard, ok: false, error: `${toShnError(e).code}: ${toShnError(e).message}`, seconds: took() } };
    }
  };
  const collect = async (): Promise<{ metrics: MetricSnapshot[]; shards: ShardScrape[] }> => {
    const states = runtime.shardStates();
    const [results, own] = await Promise.all([
      Promise.all(states.map((state, shard) => scrapeShard(shard, state))),
      registry === undefined ? Promise.resolve([]) : (registry.getMetricsAsJSON() as unknown as Promise<MetricSnapshot[]>),
    ]);
    const threads: ThreadMetrics[] = [{ shard: 'main', metrics: own }];
    for (const r of results) if (r.metrics !== undefined) threads.push({ shard: String(r.scrape.shard), metrics: r.metrics });
    const shards = results.map((r) => r.scrape);
    const merged = mergeThreadMetrics(threads);
    merged.push(
      {
        name: 'shn_telemetry_shard_scrape_up',
        help: 'Whether the last scrape got this shard\'s metrics (1) or the shard was restarting, stuck or failing (0).',
        type: 'gauge',
        values: shards.map((s) => ({ labels: { shard: String(s.shard) }, value: s.ok ? 1 : 0 })),
      },
      {
        name: 'shn_telemetry_shard_scrape_duration_seconds',
        help: 'How long the shard took to answer the last scrape, seconds.',
        type: 'gauge',
        values: shards.map((s) => ({ labels: { shard: String(s.shard) }, value: s.seconds })),
      },
    );
    return { metrics: merged, shards };
  };
  return {
    collect,
    render: async () => renderPrometheus((await collect()).metrics),
  };
}


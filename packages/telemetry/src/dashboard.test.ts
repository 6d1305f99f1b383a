import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { MESSAGE_METRICS } from './message-metrics.js';
import { RUNTIME_METRICS } from './runtime-metrics.js';

const KNOWN = new Set<string>([
  ...Object.values(MESSAGE_METRICS),
  ...Object.values(RUNTIME_METRICS),
  'shn_telemetry_shard_scrape_up',
  'shn_telemetry_shard_scrape_duration_seconds',
  // createCommandMetrics({ prefix: 'shn_kv' }), as the demo wires it
  'shn_kv_commands_total',
  'shn_kv_command_errors_total',
  'shn_kv_command_duration_seconds',
]);

describe('the Grafana dashboard', () => {
  it('queries only metric names this package exports, and shows throughput, p99 and saturation per shard', async () => {
    const dash = JSON.parse(await readFile(new URL('../dashboards/shn.json', import.meta.url), 'utf8')) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    const exprs = dash.panels.flatMap((p) => p.targets.map((t) => t.expr));
    const names = new Set(exprs.flatMap((e) => [...e.matchAll(/\b(shn_[a-z_]+)/g)].map((m) => (m[1] as string).replace(/_(bucket|sum|count)$/, ''))));
    for (const n of names) expect(KNOWN.has(n), n).toBe(true);
    const all = exprs.join('\n');
    expect(all).toContain('sum by (shard) (rate(shn_messages_received_total');
    expect(all).toContain('histogram_quantile(0.99, sum by (shard, le) (rate(shn_message_processing_seconds_bucket');
    expect(all).toContain('shn_shard_busy_ratio');
  });
});

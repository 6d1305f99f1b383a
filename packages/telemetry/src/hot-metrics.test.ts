import fc from 'fast-check';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { parsePrometheus, sampleValue } from './admin-server.test-helper.js';
import { DEFAULT_SECONDS_BUCKETS } from './buckets.js';
import { createCommandMetrics } from './command-metrics.js';
import { HotCounter } from './hot-counter.js';
import { HotHistogram } from './hot-histogram.js';
import type { MetricSnapshot } from './metric-snapshot.js';
import { mergeThreadMetrics, renderPrometheus } from './metrics-merge.js';

describe('HotHistogram', () => {
  it('buckets are cumulative, +Inf equals the count, and each observation lands in the first bound >= it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.double({ min: 0, max: 20, noNaN: true }), { maxLength: 200 }), async (values) => {
        const registry = new Registry();
        const h = new HotHistogram(registry, 'x_seconds', 'x', ['k']);
        const cell = h.cell('a');
        for (const v of values) cell.observe(v);
        const snap = await h.get();
        const buckets = snap.values.filter((v) => v.metricName === 'x_seconds_bucket');
        expect(buckets).toHaveLength(DEFAULT_SECONDS_BUCKETS.length + 1);
        for (const [i, b] of buckets.entries()) {
          const le = b.labels['le'];
          const expected = le === '+Inf' ? values.length : values.filter((v) => v <= (le as number)).length;
          expect(b.value, `le=${String(le)}`).toBe(expected);
          if (i > 0) expect(b.value).toBeGreaterThanOrEqual((buckets[i - 1] as { value: number }).value);
        }
        expect(snap.values.find((v) => v.metricName === 'x_seconds_count')?.value).toBe(values.length);
      }),
    );
  });

  it('refuses bad names, reserved labels and bad buckets with INVALID_ARGUMENT', () => {
    const r = new Registry();
    expect(() => new HotHistogram(r, 'bad-name', 'x')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new HotHistogram(r, 'ok_seconds', 'x', ['le'])).toThrow(/reserved/);
    expect(() => new HotHistogram(r, 'ok2_seconds', 'x', [], [1, 1])).toThrow(/bucket 1/);
    expect(() => new HotHistogram(r, 'ok3_seconds', 'x', [], [])).toThrow(/1 to 64/);
    expect(() => new HotCounter(r, 'c_total', 'x', ['__x'])).toThrow(/__/);
  });
});

describe('series limits', () => {
  it('past maxSeries every new label tuple shares one "other" series', async () => {
    const r = new Registry();
    const c = new HotCounter(r, 'n_total', 'n', ['k'], 3);
    for (let i = 0; i < 10; i++) c.cell(`k${i}`).inc();
    const snap = await c.get();
    expect(snap.values).toHaveLength(4);
    expect(snap.values.find((v) => v.labels['k'] === 'other')?.value).toBe(7);
  });
});

describe('command metrics (INFO commandstats)', () => {
  it('counts calls, errors and latency per command, lower-cased', async () => {
    const registry = new Registry();
    const cmd = createCommandMetrics({ registry, prefix: 'shn_kv' });
    for (let i = 0; i < 5; i++) cmd.record('GET', 0.00001);
    cmd.record('SET', 0.002);
    cmd.record('SET', 0.003, true);
    cmd.record('SET', Number.NaN);
    const m = parsePrometheus(await registry.metrics());
    expect(sampleValue(m, 'shn_kv_commands_total', { command: 'get' })).toBe(5);
    expect(sampleValue(m, 'shn_kv_commands_total', { command: 'set' })).toBe(3);
    expect(sampleValue(m, 'shn_kv_command_errors_total', { command: 'set' })).toBe(1);
    expect(sampleValue(m, 'shn_kv_command_duration_seconds_count', { command: 'set' })).toBe(2);
    expect(sampleValue(m, 'shn_kv_command_duration_seconds_bucket', { command: 'get', le: '0.00001' })).toBe(5);
  });

  it('refuses a bad prefix, limit, or a second registration', () => {
    const registry = new Registry();
    expect(() => createCommandMetrics({ registry, prefix: '9x' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => createCommandMetrics({ registry, prefix: 'a', maxCommands: 0 })).toThrow(/maxCommands/);
    createCommandMetrics({ registry, prefix: 'b' });
    expect(() => createCommandMetrics({ registry, prefix: 'b' })).toThrow(/already registered/);
  });
});

describe('mergeThreadMetrics', () => {
  const snapshot = (value: number, labels: Record<string, string> = {}): MetricSnapshot => ({ name: 'm_total', help: 'm', type: 'counter', values: [{ labels, value }] });

  it('keeps every sample of every thread, each labelled with its thread once', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { minLength: 1, maxLength: 8 }), (values) => {
        const threads = values.map((v, i) => ({ shard: String(i), metrics: [snapshot(v, { kind: 'kv' })] }));
        const merged = mergeThreadMetrics(threads);
        expect(merged).toHaveLength(1);
        expect(merged[0]?.values.map((s) => [s.labels['shard'], s.value])).toEqual(values.map((v, i) => [String(i), v]));
      }),
    );
  });

  it('leaves an existing shard label alone and drops a metric whose type disagrees', async () => {
    const merged = mergeThreadMetrics([
      { shard: 'main', metrics: [snapshot(1, { shard: '3' })] },
      { shard: '0', metrics: [{ ...snapshot(2), type: 'gauge' }] },
    ]);
    expect(merged[0]?.values).toEqual([{ labels: { shard: '3' }, value: 1 }]);
    expect(await renderPrometheus(merged)).toContain('m_total{shard="3"} 1');
  });
});

import { describe, expect, it } from 'vitest';
import { parseCli } from '../main.js';

describe('shn-kv telemetry flags', () => {
  it('defaults to metrics (no params), takes --telemetry, and OTEL_EXPORTER_OTLP_ENDPOINT turns tracing on with OTLP', () => {
    expect(parseCli([], {}).telemetry).toBeUndefined();
    expect(parseCli(['--telemetry', 'off'], {}).telemetry).toEqual({ telemetry: 'off' });
    expect(parseCli([], { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/' }).telemetry).toEqual({ telemetry: 'tracing', traceExporter: 'otlp:http://127.0.0.1:4318/v1/traces' });
    expect(parseCli(['--telemetry', 'metrics'], { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:4318' }).telemetry).toEqual({ telemetry: 'metrics' });
    expect(parseCli(['--trace-console', '--trace-ratio', '0.01'], {}).telemetry).toEqual({ telemetry: 'tracing', traceExporter: 'console', traceRatio: 0.01 });
  });

  it('rejects bad combinations with typed errors', () => {
    expect(() => parseCli(['--telemetry', 'on'], {})).toThrow(/--telemetry must be off, metrics or tracing/);
    expect(() => parseCli(['--telemetry', 'tracing'], {})).toThrow(/needs OTEL_EXPORTER_OTLP_ENDPOINT or --trace-console/);
    expect(() => parseCli(['--telemetry', 'off', '--trace-console'], {})).toThrow(/--trace-console needs --telemetry tracing/);
    expect(() => parseCli(['--trace-ratio', '2', '--trace-console'], {})).toThrow(/--trace-ratio must be a number in \[0, 1\]/);
    expect(() => parseCli(['--trace-ratio', '0.5'], {})).toThrow(/--trace-ratio needs tracing/);
  });
});

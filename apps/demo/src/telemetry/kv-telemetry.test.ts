import { describe, expect, it } from 'vitest';
import { kvSystemDefinition } from '../kv/system.js';
import { kvTelemetry, telemetryModeOf } from './kv-telemetry.js';

describe('kv telemetry modes', () => {
  it('off adds no middleware but the breaker, and no per-command instrument', () => {
    const def = kvSystemDefinition({ telemetry: 'off' });
    expect(def.middleware).toHaveLength(1);
    expect(kvTelemetry()).toBeUndefined();
    expect(Object.keys(def.kinds).sort()).toEqual(['kv', 'shn.telemetry', 'shn.telemetry.profiler']);
  });

  it('metrics (the default) adds the metrics middleware before the breaker, and an instrument with a fresh registry', () => {
    const def = kvSystemDefinition(undefined);
    expect(def.middleware!.length).toBeGreaterThan(1);
    const t = kvTelemetry()!;
    expect(t.mode).toBe('metrics');
    expect(t.tracer).toBeUndefined();
    t.instrument.run('get', () => 'x');
    const again = (kvSystemDefinition(undefined), kvTelemetry()!);
    expect(again.telemetry.registry).not.toBe(t.telemetry.registry);
  });

  it('bad modes and ratios are typed INVALID_ARGUMENT errors', () => {
    expect(() => telemetryModeOf('on')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => kvSystemDefinition({ telemetry: 'tracing', traceExporter: 'ftp://x' })).toThrow(/trace exporter must be/);
    expect(() => kvSystemDefinition({ traceRatio: 2 })).toThrow(/traceRatio must be in \[0, 1\]/);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isShnError } from '@shn/core';
import { parseRedisBenchmarkCsv } from './redis-benchmark-csv.js';

const header = '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"';

describe('parseRedisBenchmarkCsv', () => {
  it('parses the redis-benchmark 7 form with a header', () => {
    const out = `${header}\n"SET","98039.22","0.281","0.080","0.271","0.375","0.487","1.191"\n"GET","99009.90","0.274","0.072","0.263","0.367","0.455","0.879"\n`;
    expect(parseRedisBenchmarkCsv(out)).toEqual([
      { test: 'SET', rps: 98039.22, avgLatencyMs: 0.281, p50LatencyMs: 0.271, p99LatencyMs: 0.487 },
      { test: 'GET', rps: 99009.9, avgLatencyMs: 0.274, p50LatencyMs: 0.263, p99LatencyMs: 0.455 },
    ]);
  });

  it('parses the older header-less form and skips progress noise', () => {
    expect(parseRedisBenchmarkCsv('SET: rps=0.0 (overall: nan)\r\n"SET","1234.5"\n\n"GET","99"\n')).toEqual([
      { test: 'SET', rps: 1234.5 },
      { test: 'GET', rps: 99 },
    ]);
  });

  it('round-trips any rows it is given', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ test: fc.stringMatching(/^[A-Z][A-Z ]{0,10}$/), rps: fc.double({ min: 0, max: 1e7, noNaN: true }), p50: fc.double({ min: 0, max: 100, noNaN: true }), p99: fc.double({ min: 0, max: 100, noNaN: true }) }), { minLength: 1, maxLength: 5 }),
        (rows) => {
          const text = [header, ...rows.map((r) => `"${r.test}","${r.rps}","1","0","${r.p50}","2","${r.p99}","3"`)].join('\n');
          const parsed = parseRedisBenchmarkCsv(text);
          expect(parsed.map((p) => [p.test, p.rps, p.p50LatencyMs, p.p99LatencyMs])).toEqual(rows.map((r) => [r.test, r.rps, r.p50, r.p99]));
        },
      ),
    );
  });

  it('rejects malformed output with DECODE_FAILED', () => {
    for (const bad of ['', 'nothing here', '"SET","abc"', '"SET",""', '"SET', '"SET"x,"1"', `${header}\n"SET","-5","1","1","1","1","1","1"`]) {
      try {
        parseRedisBenchmarkCsv(bad);
        expect.unreachable(bad);
      } catch (e) {
        expect(isShnError(e) && e.code).toBe('DECODE_FAILED');
      }
    }
  });
});

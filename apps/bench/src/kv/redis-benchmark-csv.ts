import { ShnError } from '@shn/core';

/** One row of `redis-benchmark --csv` output. */
export interface RedisBenchmarkRow {
  /** The test name as printed (`SET`, `GET`, ...). */
  readonly test: string;
  /** Requests per second. */
  readonly rps: number;
  /** Latency columns (milliseconds), present with redis-benchmark >= 6.2. */
  readonly avgLatencyMs?: number;
  readonly p50LatencyMs?: number;
  readonly p99LatencyMs?: number;
}

/** Splits one CSV line with double-quoted fields (`""` is an escaped quote). */
function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= line.length) throw new ShnError('DECODE_FAILED', `unterminated quote in CSV line: ${line}`);
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += line[i];
        i++;
      }
      fields.push(value);
      if (i < line.length && line[i] !== ',') throw new ShnError('DECODE_FAILED', `garbage after quoted field in CSV line: ${line}`);
      i++;
    } else {
      const end = line.indexOf(',', i);
      const stop = end === -1 ? line.length : end;
      fields.push(line.slice(i, stop));
      i = stop + 1;
    }
  }
  return fields;
}

function number(raw: string | undefined, what: string, line: string): number {
  const n = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new ShnError('DECODE_FAILED', `bad ${what} ${JSON.stringify(raw)} in redis-benchmark line: ${line}`);
  }
  return n;
}

/**
 * Parses `redis-benchmark --csv` output: either the 7.x form with a header line
 * (`"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",...`) or the older
 * header-less `"SET","123.45"` form. Ignores blank lines and progress lines that are not CSV
 * (lines not starting with a quote). Throws ShnError DECODE_FAILED on a malformed CSV row or a
 * non-numeric rps, and if no row was found.
 */
export function parseRedisBenchmarkCsv(output: string): RedisBenchmarkRow[] {
  const rows: RedisBenchmarkRow[] = [];
  let columns: string[] | undefined;
  for (const raw of output.split(/\r?\n|\r/)) {
    const line = raw.trim();
    if (!line.startsWith('"')) continue;
    const fields = splitCsvLine(line);
    if (fields[0] === 'test') {
      columns = fields;
      continue;
    }
    const at = (name: string, fallback: number) => {
      const idx = columns?.indexOf(name) ?? -1;
      return fields[idx >= 0 ? idx : fallback];
    };
    const test = fields[0];
    if (test === undefined || test === '') throw new ShnError('DECODE_FAILED', `missing test name in redis-benchmark line: ${line}`);
    const row: { -readonly [K in keyof RedisBenchmarkRow]: RedisBenchmarkRow[K] } = { test, rps: number(at('rps', 1), 'rps', line) };
    if (columns !== undefined) {
      for (const [col, key] of [['avg_latency_ms', 'avgLatencyMs'], ['p50_latency_ms', 'p50LatencyMs'], ['p99_latency_ms', 'p99LatencyMs']] as const) {
        if (columns.includes(col)) row[key] = number(at(col, -1), col, line);
      }
    }
    rows.push(row);
  }
  if (rows.length === 0) throw new ShnError('DECODE_FAILED', `no CSV rows in redis-benchmark output: ${output.slice(0, 200)}`);
  return rows;
}

import { describe, expect, it } from 'vitest';
import { parseCli } from '../main.js';
import { admissionOptions, createAdmission } from './admission-config.js';

const codeOf = (f: () => unknown): unknown => {
  try {
    f();
  } catch (e) {
    return (e as { code?: unknown }).code;
  }
  return undefined;
};

describe('--admission flags', () => {
  it('are off by default (no admission key: startServer runs exactly as before)', () => {
    expect(parseCli([], {})).not.toHaveProperty('admission');
  });

  it('default to 20 000 req/s, burst 2000 (100 ms of the rate), gradient2, BUSY rate = rate', () => {
    expect(parseCli(['--admission'], {}).admission).toEqual({ ratePerSec: 20_000, burst: 2000, limit: 'gradient2', busyRatePerSec: 20_000 });
    expect(parseCli(['--admission', '--admission-rate', '500'], {}).admission).toEqual({ ratePerSec: 500, burst: 50, limit: 'gradient2', busyRatePerSec: 500 });
  });

  it('take every option', () => {
    const cli = parseCli(['--admission', '--admission-rate', '1000', '--admission-burst', '50', '--admission-limit', '64', '--admission-busy-rate', '10'], {});
    expect(cli.admission).toEqual({ ratePerSec: 1000, burst: 50, limit: 64, busyRatePerSec: 10 });
    for (const limit of ['gradient2', 'aimd', 'none'] as const) expect(parseCli(['--admission', '--admission-limit', limit], {}).admission?.limit).toBe(limit);
  });

  it('build the matching @shn/backpressure options', () => {
    const base = { ratePerSec: 10, burst: 2, busyRatePerSec: 3 };
    expect(admissionOptions({ ...base, limit: 'none' })).toEqual({ perConnection: { ratePerSec: 10, burst: 2, busyRatePerSec: 3 }, concurrency: undefined });
    expect(admissionOptions({ ...base, limit: 7 }).concurrency).toEqual({ algorithm: 'fixed', limit: 7 });
    expect(admissionOptions({ ...base, limit: 'gradient2' }).concurrency).toMatchObject({ algorithm: 'gradient2', initialLimit: 1024, minLimit: 8, maxLimit: 16_384, appLimitedHeadroom: 2 });
    expect(admissionOptions({ ...base, limit: 'aimd' }).concurrency).toMatchObject({ algorithm: 'aimd', initialLimit: 1024, timeoutMs: 100 });
    expect(createAdmission({ ...base, limit: 'gradient2' }).limit).toBe(1024);
    expect(createAdmission({ ...base, limit: 'none' }).limit).toBe(Infinity);
  });

  it('refuse bad values and admission options without --admission with INVALID_ARGUMENT', () => {
    expect(codeOf(() => parseCli(['--admission-rate', '10'], {}))).toBe('INVALID_ARGUMENT');
    expect(() => parseCli(['--admission-limit', 'aimd'], {})).toThrow(/--admission-limit needs --admission/);
    expect(() => parseCli(['--admission', '--admission-rate', '0'], {})).toThrow(/--admission-rate must be an integer in \[1, 100000000\], got "0"/);
    expect(codeOf(() => parseCli(['--admission', '--admission-rate', '-5'], {}))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => parseCli(['--admission', '--admission-burst', '1.5'], {}))).toBe('INVALID_ARGUMENT');
    expect(() => parseCli(['--admission', '--admission-limit', 'magic'], {})).toThrow(/--admission-limit must be an integer in \[1, 1000000\], got "magic"/);
    expect(codeOf(() => parseCli(['--admission', '--admission-limit', '0'], {}))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => parseCli(['--admission', '--admission-busy-rate', 'x'], {}))).toBe('INVALID_ARGUMENT');
  });
});

describe('createAdmission', () => {
  it('refuses past the bucket with a BUSY reply, and builds the typed error only when read', () => {
    const before = Error.stackTraceLimit;
    const gate = createAdmission({ ratePerSec: 1, burst: 2, limit: 'none', busyRatePerSec: 100 }).connection();
    const r = [gate.admit(), gate.admit(), gate.admit()];
    expect(r.map((x) => x.admitted)).toEqual([true, true, false]);
    const refused = r[2] as { error: { code: string }; reply: string };
    expect(refused.reply).toMatch(/^BUSY rate limit of 1 requests\/s per connection \(burst 2\) exceeded/);
    expect(refused.error.code).toBe('RATE_LIMITED');
    expect(Error.stackTraceLimit).toBe(before);
  });
});

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isShnError } from '@shn/core';
import { ResultBuilder } from './result-builder.js';
import type { MachineInfo } from './result-types.js';
import { formatNumber, renderMarkdown, writeResults } from './results-writer.js';

const machine: MachineInfo = {
  node: 'v20.0.0', platform: 'linux', arch: 'x64', cpus: 2, cpuModel: 'test cpu', totalMemoryBytes: 2 ** 30,
  date: '2025-01-01T00:00:00.000Z', gitCommit: '0123456789abcdef', gitDirty: false,
};

function sample(quick: boolean) {
  const b = new ResultBuilder('mailbox', quick, { count: 10 });
  b.addFigure('a.oneWay', 'A', 'one-way', 'msg/s', [100, 300, 200]);
  b.addFigure('b.oneWay', 'B', 'one-way', 'msg/s', [1000, 1000, 1000]);
  b.skip('c.oneWay', 'not built');
  b.note('producer spins on a full ring');
  b.addRatio('b/a', 'B / A one-way', 'b.oneWay', 'a.oneWay', { op: '>=', value: 10 });
  b.addRatio('c/a', 'C / A', 'c.oneWay', 'a.oneWay');
  return b.build(machine);
}

describe('ResultBuilder', () => {
  it('summarizes samples and computes ratios of medians only between measured figures', () => {
    const r = sample(false);
    expect(r.figures.map((f) => [f.id, f.median, f.min, f.max])).toEqual([['a.oneWay', 200, 100, 300], ['b.oneWay', 1000, 1000, 1000]]);
    expect(r.ratios).toEqual([{ id: 'b/a', label: 'B / A one-way', numerator: 'b.oneWay', denominator: 'a.oneWay', value: 5, goal: '>= 10', met: false }]);
    expect(r.skipped).toEqual([{ id: 'c.oneWay', reason: 'not built' }]);
  });

  it('rejects duplicate figure ids with INVALID_ARGUMENT', () => {
    const b = new ResultBuilder('x', false, {});
    b.addFigure('a', 'A', 'm', 'µs', [1]);
    expect(() => b.addFigure('a', 'A', 'm', 'µs', [1])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('renderMarkdown', () => {
  it('has one table row per figure and ratio, and lists skips, notes and the commit', () => {
    const md = renderMarkdown(sample(false));
    expect(md).toContain('| A | one-way | 200 | msg/s | 100–300');
    expect(md).toContain('| B / A one-way | 5.00× | >= 10 | no |');
    expect(md).toContain('`c.oneWay`: not built');
    expect(md).toContain('producer spins on a full ring');
    expect(md).toContain('commit 0123456789ab');
  });

  it('formats numbers compactly', () => {
    expect(formatNumber(1234567.8)).toBe('1,234,568');
    expect(formatNumber(12.345)).toBe('12.3');
    expect(formatNumber(0.01234)).toBe('0.0123');
  });
});

describe('writeResults', () => {
  it('writes <name>.json and <name>.md (quick runs to <name>.quick.*) that parse back', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'shn-bench-'));
    try {
      for (const quick of [false, true]) {
        const r = sample(quick);
        const out = await writeResults(r, dir);
        expect(path.basename(out.json)).toBe(quick ? 'mailbox.quick.json' : 'mailbox.json');
        expect(JSON.parse(await readFile(out.json, 'utf8'))).toEqual(r);
        expect(await readFile(out.markdown, 'utf8')).toBe(renderMarkdown(r));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a name that is not a plain file name', async () => {
    const r = { ...sample(false), name: '../evil' };
    await expect(writeResults(r, os.tmpdir())).rejects.toSatisfy((e) => isShnError(e) && e.code === 'INVALID_ARGUMENT');
  });
});

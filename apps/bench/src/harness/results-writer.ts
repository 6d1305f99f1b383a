import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ShnError } from '@shn/core';
import type { BenchResult, Figure } from './result-types.js';

/** Formats a number for a table: 3 significant digits, thousands separated, no exponent. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

function figureRow(f: Figure): string {
  const spread = f.samples.length > 1 ? `${formatNumber(f.min)}–${formatNumber(f.max)} (±${(f.spreadPct / 2).toFixed(1)}%)` : 'n/a (1 run)';
  return `| ${f.subject} | ${f.metric} | ${formatNumber(f.median)} | ${f.unit} | ${spread} | ${f.samples.length} |`;
}

/**
 * Renders a result as Markdown ready to paste into a README: a figures table (median,
 * spread as min–max and ±half the relative range, repeat count), a ratios table, the
 * skipped contenders, the notes, and a footer with the machine and commit.
 */
export function renderMarkdown(result: BenchResult): string {
  const lines: string[] = [];
  lines.push(`### ${result.name}${result.quick ? ' (quick smoke run: figures not meaningful)' : ''}`, '');
  lines.push('| subject | metric | median | unit | spread (min–max) | runs |', '|---|---|---:|---|---|---:|');
  for (const f of result.figures) lines.push(figureRow(f));
  if (result.ratios.length > 0) {
    lines.push('', '| ratio | value | goal | met |', '|---|---:|---|---|');
    for (const r of result.ratios) {
      lines.push(`| ${r.label} | ${r.value.toFixed(2)}× | ${r.goal ?? '–'} | ${r.met === undefined ? '–' : r.met ? 'yes' : 'no'} |`);
    }
  }
  if (result.skipped.length > 0) {
    lines.push('', 'Not measured in this run:', '');
    for (const s of result.skipped) lines.push(`- \`${s.id}\`: ${s.reason}`);
  }
  if (result.notes.length > 0) {
    lines.push('', 'Notes:', '');
    for (const n of result.notes) lines.push(`- ${n}`);
  }
  const m = result.machine;
  lines.push(
    '',
    `_Node ${m.node}, ${m.platform}/${m.arch}, ${m.cpus} CPUs (${m.cpuModel}), ${(m.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB; ` +
      `${m.date}; commit ${m.gitCommit.slice(0, 12)}${m.gitDirty ? ' (dirty)' : ''}._`,
    '',
  );
  return lines.join('\n');
}

/** Paths of the files {@link writeResults} wrote. */
export interface WrittenResults {
  readonly json: string;
  readonly markdown: string;
}

/**
 * Writes `<dir>/<base>.json` and `<dir>/<base>.md`, where base is the result's name, plus
 * `.quick` for a quick run (those are git-ignored). Creates `dir` if needed. Throws
 * ShnError INVALID_ARGUMENT if the name is not a plain file name; rejects with the
 * underlying fs error wrapped as ShnError INTERNAL if writing fails.
 */
export async function writeResults(result: BenchResult, dir: string): Promise<WrittenResults> {
  if (!/^[a-z0-9-]+$/.test(result.name)) {
    throw new ShnError('INVALID_ARGUMENT', `bench name must match [a-z0-9-]+, got ${JSON.stringify(result.name)}`);
  }
  const base = path.join(dir, result.quick ? `${result.name}.quick` : result.name);
  const out = { json: `${base}.json`, markdown: `${base}.md` };
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(out.json, `${JSON.stringify(result, null, 2)}\n`);
    await writeFile(out.markdown, renderMarkdown(result));
  } catch (cause) {
    throw new ShnError('INTERNAL', `could not write results to ${dir}`, { cause });
  }
  return out;
}

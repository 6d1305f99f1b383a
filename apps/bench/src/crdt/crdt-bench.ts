import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ShnError } from '@shn/core';
import { benchRoot, repoRoot } from '../harness/paths.js';
import { ResultBuilder } from '../harness/result-builder.js';
import type { FigureUnit } from '../harness/result-types.js';
import type { ChildReport } from './crdt-child.js';

/** Options of {@link runCrdtBench}. */
export interface CrdtBenchOptions {
  /** Smoke mode: the first 5 000 edits only, one repeat. */
  readonly quick: boolean;
  /** Fresh-process repeats per library (default 3; 1 in quick mode). */
  readonly repeats?: number | undefined;
  /** Number of edits of the trace to replay (default: all 259 778; 5 000 in quick mode). */
  readonly edits?: number | undefined;
  /** Progress lines go here (default: stderr). */
  readonly log?: (line: string) => void;
}

/** The trace replayed, from the repo's sibling data folder (never copied into the repo). */
export const automergePaperTrace: string = path.resolve(repoRoot, '..', 'shared', 'data', 'editing-traces', 'automerge-paper.json.gz');

// Always the built child (also when this module runs from src/ under vitest).
const childScript = path.join(benchRoot, 'dist', 'crdt', 'crdt-child.js');
const CONTENDERS = [
  { id: 'shn', subject: '@shn/crdt TextCrdt' },
  { id: 'yjs', subject: 'Yjs (V1 update)' },
  { id: 'yjsV2', subject: 'Yjs (V2 update)' },
  { id: 'automerge', subject: 'Automerge 3' },
] as const;
const BYTES: FigureUnit = 'bytes';

function runChild(id: string, edits: number | undefined, timeoutMs: number): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const args = ['--expose-gc', childScript, id, automergePaperTrace, ...(edits === undefined ? [] : [String(edits)])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new ShnError('INTERNAL', `crdt child ${id} exited with ${code ?? signal}: ${err.slice(0, 500)}`));
        return;
      }
      try {
        resolve(JSON.parse(out.trim()) as ChildReport);
      } catch (cause) {
        reject(new ShnError('DECODE_FAILED', `crdt child ${id} printed ${JSON.stringify(out.slice(0, 200))}`, { cause }));
      }
    });
  });
}

/**
 * Runs the crdt bench: replays automerge-paper (one local edit per patch) with `@shn/crdt`,
 * Yjs and Automerge, each repeat in a fresh `node --expose-gc` child process, and reports
 * apply time, encoded size, load time and heap growth after GC, plus ratios against Yjs.
 * Then adds the merge-throughput figures of `../crdt-merge` when that module exists.
 */
export async function runCrdtBench(options: CrdtBenchOptions): Promise<ResultBuilder> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const quick = options.quick;
  const repeats = options.repeats ?? (quick ? 1 : 3);
  const edits = options.edits ?? (quick ? 5_000 : undefined);
  const timeoutMs = quick ? 60_000 : 600_000;
  const result = new ResultBuilder('crdt', quick, { trace: 'automerge-paper', edits: edits ?? 'all (259778)', repeats, process: 'fresh child process per sample' });
  result.note('Every sample is a fresh `node --expose-gc` process running one library: apply times include JIT warm-up, the same for every library. One transaction/change per edit for every library.');
  result.note('memory = heapUsed after GC with the document alive minus before replay; Automerge keeps its document in WASM memory, so its heap figure understates it (its external+arrayBuffers growth is in the figure note).');
  result.note('@shn/crdt collects its ops (takeOps every 1 000 edits) as a replicating app would; Yjs builds its update/transaction records as always.');

  if (!existsSync(automergePaperTrace)) {
    const reason = `trace not found at ${automergePaperTrace} (../shared/data is absent)`;
    for (const c of CONTENDERS) result.skip(c.id, reason);
    return result;
  }

  for (const c of CONTENDERS) {
    const samples: ChildReport[] = [];
    try {
      for (let i = 0; i < repeats; i++) {
        log(`crdt: ${c.id} repeat ${i + 1}/${repeats}`);
        samples.push(await runChild(c.id, edits, timeoutMs));
      }
    } catch (e) {
      result.skip(c.id, (e as Error).message);
      continue;
    }
    const external = samples.map((s) => s.externalBytes);
    if (c.id !== 'yjsV2') result.addFigure(`${c.id}.apply`, c.subject, 'apply all edits locally', 'µs', samples.map((s) => s.applyUs));
    result.addFigure(`${c.id}.bytes`, c.subject, 'encoded document size', BYTES, samples.map((s) => s.bytes));
    result.addFigure(`${c.id}.load`, c.subject, 'load the encoded document', 'µs', samples.map((s) => s.loadUs));
    if (c.id !== 'yjsV2') {
      result.addFigure(`${c.id}.heap`, c.subject, 'memory (heap growth after GC)', BYTES, samples.map((s) => s.heapBytes), `external+arrayBuffers growth: ${external.join(', ')} bytes`);
    }
  }
  result.addRatio('apply.vsYjs', '@shn/crdt / Yjs apply time (faster than Yjs)', 'shn.apply', 'yjs.apply', { op: '<', value: 1 });
  result.addRatio('bytes.vsYjs', '@shn/crdt / Yjs encoded size (no larger than Yjs)', 'shn.bytes', 'yjs.bytes', { op: '<=', value: 1 });
  result.addRatio('bytes.vsYjsV2', '@shn/crdt / Yjs V2 encoded size', 'shn.bytes', 'yjsV2.bytes', { op: '<=', value: 1 });
  result.addRatio('load.vsYjs', '@shn/crdt / Yjs load time', 'shn.load', 'yjs.load', { op: '<', value: 1 });
  result.addRatio('heap.vsYjs', '@shn/crdt / Yjs memory', 'shn.heap', 'yjs.heap', { op: '<=', value: 1 });
  result.addRatio('apply.vsAutomerge', '@shn/crdt / Automerge apply time', 'shn.apply', 'automerge.apply');
  result.addRatio('bytes.vsAutomerge', '@shn/crdt / Automerge encoded size', 'shn.bytes', 'automerge.bytes');

  await addMergeFigures(result, quick, log);
  return result;
}

/** Calls `runCrdtMergeFigures(result, { quick })` from ../crdt-merge when it has been built. */
async function addMergeFigures(result: ResultBuilder, quick: boolean, log: (line: string) => void): Promise<void> {
  const mergeModule = path.join(benchRoot, 'dist', 'crdt-merge', 'index.js');
  if (!existsSync(mergeModule)) {
    result.note('OR-Set / PN-Counter merge throughput: apps/bench/src/crdt-merge is not present in this build, so those figures are missing.');
    return;
  }
  const mod = (await import(pathToFileURL(mergeModule).href)) as {
    runCrdtMergeFigures?: (r: ResultBuilder, o: { quick: boolean }) => Promise<void> | void;
  };
  if (typeof mod.runCrdtMergeFigures !== 'function') {
    result.note('crdt-merge/index.js exports no runCrdtMergeFigures; merge throughput figures are missing.');
    return;
  }
  log('crdt: merge throughput figures');
  await mod.runCrdtMergeFigures(result, { quick });
}

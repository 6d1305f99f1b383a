/**
 * Child process of the crdt bench: `node --expose-gc crdt-child.js <contender> <trace> [limit]`.
 * Replays the trace with one library in a fresh process (so memory figures are not polluted
 * by other libraries) and prints one JSON line: apply time, encoded size, load time, heap
 * delta after GC. Exits 1 with a message when the replay does not reach the end content.
 */
import { contenders } from './crdt-contenders.js';
import { loadSequentialTrace } from './replay-trace.js';

/** What the child reports (times in µs, sizes in bytes). */
export interface ChildReport {
  readonly applyUs: number;
  readonly bytes: number;
  readonly loadUs: number;
  readonly heapBytes: number;
  readonly externalBytes: number;
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g === undefined) throw new Error('run with --expose-gc');
  g();
  g();
}

function main(): void {
  const [name, file, limitRaw] = process.argv.slice(2);
  const make = name === undefined ? undefined : contenders[name];
  if (make === undefined || file === undefined) throw new Error(`usage: crdt-child <${Object.keys(contenders).join('|')}> <trace.json.gz> [limit]`);
  const trace = loadSequentialTrace(file, limitRaw === undefined ? undefined : Number(limitRaw));
  const c = make();
  gc();
  const before = process.memoryUsage();
  const t0 = performance.now();
  c.replay(trace.patches);
  const t1 = performance.now();
  gc();
  const after = process.memoryUsage();
  if (c.text() !== trace.endContent) throw new Error(`${name}: replay did not reach the end content`);
  const bytes = c.save();
  const t2 = performance.now();
  const loaded = c.load(bytes);
  const t3 = performance.now();
  if (loaded !== trace.endContent) throw new Error(`${name}: loaded document differs from the end content`);
  const report: ChildReport = {
    applyUs: (t1 - t0) * 1000,
    bytes: bytes.length,
    loadUs: (t3 - t2) * 1000,
    heapBytes: after.heapUsed - before.heapUsed,
    externalBytes: after.external + after.arrayBuffers - before.external - before.arrayBuffers,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

try {
  main();
} catch (e) {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
}

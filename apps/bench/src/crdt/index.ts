export { runCrdtBench, automergePaperTrace } from './crdt-bench.js';
export type { CrdtBenchOptions } from './crdt-bench.js';

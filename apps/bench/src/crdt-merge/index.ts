/** OR-Set and PN-Counter merge throughput (called by `pnpm bench crdt`). */
export { runCrdtMergeFigures } from './merge-bench.js';
export type { CrdtMergeOptions } from './merge-bench.js';

// Crash-test child: restores the newest checkpoint from DIR, then writes checkpoints forever
// (deltas, every 5th a copy-on-write full, compaction and retention in the background), printing
// `durable <seq>` after each save resolves. The parent SIGKILLs it at a random moment.
import { Checkpointer, FileStore, KeyedState } from '../dist/index.js';
import { applyGeneration, opsOf } from './crash-model.mjs';

const [dir, seedArg] = process.argv.slice(2);
const seed = Number(seedArg);
const enc = new TextEncoder();
const cp = new Checkpointer({ store: new FileStore(dir), node: 'crash-node', keep: 2, compactEvery: 3, compress: seed % 2 === 0 });
const state = new KeyedState({ keyGroups: 64 });
try {
  const image = await cp.load('kv/0');
  if (image !== undefined) state.restore(image);
} catch (e) {
  // No usable checkpoint (the parent tore the only one): start empty, as the runtime host does.
  process.stderr.write(`restore-failed ${e.code}\n`);
}
process.stdout.write(`ready ${state.seq}\n`);
void applyGeneration;
for (;;) {
  const g = state.seq + 1;
  for (const [k, v] of opsOf(seed, g)) {
    if (v === undefined) state.delete(k);
    else state.set(k, enc.encode(v));
  }
  const bytes = g % 5 === 0 ? await state.captureFull({ sliceMs: 0 }) : state.snapshot();
  if (state.seq !== g) throw new Error(`seq ${state.seq} != generation ${g}`);
  await cp.save('kv/0', bytes);
  process.stdout.write(`durable ${g}\n`);
}

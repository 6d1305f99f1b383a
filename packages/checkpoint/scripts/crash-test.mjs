#!/usr/bin/env node
// Crash test of @shn/checkpoint (needs `pnpm build` first):
//   node scripts/crash-test.mjs [--iterations N] [--seed S] [--max-delay MS] [--dir DIR]
// Each iteration starts a child that restores from DIR and keeps writing checkpoints, SIGKILLs it
// after a random delay (most kills land inside a FileStore write, a compaction or a retention
// delete), then restores in this process and checks that the result is exactly the state of one
// complete generation (never a mix), and no older than the last checkpoint the child reported
// durable. Exit 0 when every iteration passes, 1 otherwise. Prints one JSON summary line.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Checkpointer, FileStore, KeyedState } from '../dist/index.js';
import { applyGeneration, prng } from './crash-model.mjs';

const { values } = parseArgs({
  options: {
    iterations: { type: 'string', default: '300' },
    seed: { type: 'string', default: '1' },
    'max-delay': { type: 'string', default: '120' },
    dir: { type: 'string' },
    'torn-every': { type: 'string', default: '10' },
  },
});
const iterations = Number(values.iterations);
const seed = Number(values.seed);
const maxDelay = Number(values['max-delay']);
const tornEvery = Number(values['torn-every']);
const childPath = fileURLToPath(new URL('./crash-child.mjs', import.meta.url));
const dir = values.dir ?? (await mkdtemp(join(tmpdir(), 'shn-crash-')));
const rnd = prng(seed);
const dec = new TextDecoder();

const model = new Map();
let modelGen = 0;
const stats = { iterations: 0, torn: 0, noUsable: 0, kills: 0, killedWhileWriting: 0, recoveredUnreported: 0, fellBack: 0, skippedRecords: 0, maxSeq: 0, failures: [] };

function runChild(delayMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childPath, dir, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let durable = 0;
    let readyAt = -1;
    let timer;
    child.stdout.on('data', (d) => {
      out += d;
      let i;
      while ((i = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, i);
        out = out.slice(i + 1);
        const [word, n] = line.split(' ');
        if (word === 'durable') durable = Math.max(durable, Number(n));
        if (word === 'ready') readyAt = Number(n);
        // Arm the kill once at least one checkpoint exists, so every kill can hit a write that has a predecessor.
        if (timer === undefined && (word === 'durable' || (word === 'ready' && readyAt > 0))) {
          timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
        }
      }
    });
    child.stderr.on('data', (d) => (err += String(d).replace(/^restore-failed \w+\n/m, '')));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`child exited by itself (code ${code}): ${err}`));
      else resolve({ durable, readyAt });
    });
  });
}

for (let it = 0; it < iterations; it++) {
  const delay = Math.floor(rnd() * maxDelay);
  const { durable, readyAt } = await runChild(delay);
  stats.kills++;
  // Every tornEvery-th iteration, also tear the newest checkpoint file (as a file system without
  // atomic rename or a bad disk would): recovery must detect it and fall back to the previous one.
  let tore = false;
  if (tornEvery > 0 && it % tornEvery === tornEvery - 1) {
    const names = (await readdir(dir)).filter((n) => n.startsWith('k'));
    let newest;
    let newestKey = '';
    for (const n of names) {
      const key = Buffer.from(n.slice(1), 'hex').toString('utf8');
      if (key > newestKey) [newest, newestKey] = [n, key];
    }
    if (newest !== undefined) {
      const file = join(dir, newest);
      const size = (await stat(file)).size;
      await truncate(file, Math.floor(rnd() * size));
      tore = true;
      stats.torn++;
    }
  }
  // Recovery, as a restarted shard would do it.
  const reports = [];
  const cp = new Checkpointer({ store: new FileStore(dir), node: 'crash-node', onRestore: (r) => reports.push(r) });
  const state = new KeyedState({ keyGroups: 64 });
  let failure;
  try {
    const image = await cp.load('kv/0');
    if (image !== undefined) state.restore(image);
  } catch (e) {
    if (tore && (e.code === 'DATA_CORRUPT' || e.code === 'UNSUPPORTED_VERSION')) {
      // We tore the only complete checkpoint: refusing it (typed, never silently) is the right answer.
      stats.noUsable++;
      model.clear();
      modelGen = 0;
    } else {
      failure = `iteration ${it}: restore threw ${e.code ?? ''} ${e.message}`;
    }
  }
  const g = state.seq;
  // The newest checkpoint known durable: reported by this child, or restored last time.
  const floor = Math.max(durable, readyAt, modelGen);
  if (failure === undefined) {
    if (tore) {
      if (reports.length > 0 && reports[0]?.skipped.length === 0) failure = `iteration ${it}: a torn newest file was not reported`;
      if (g < modelGen) {
        model.clear();
        modelGen = 0;
      }
    } else if (g < floor) failure = `iteration ${it}: restored generation ${g} is older than the durable ${floor}`;
    else if (g > floor + 1) failure = `iteration ${it}: restored generation ${g} was never written (durable ${floor})`;
    else if (g < modelGen && !tore) failure = `iteration ${it}: restored generation ${g} went back before ${modelGen}`;
  }
  if (failure === undefined) {
    while (modelGen < g) applyGeneration(model, seed, ++modelGen);
    const got = new Map([...state.entries()].map(([k, v]) => [k, dec.decode(v)]));
    if (got.size !== model.size) failure = `iteration ${it}: generation ${g} has ${got.size} keys, expected ${model.size} (a mix?)`;
    else for (const [k, v] of model) if (got.get(k) !== v) { failure = `iteration ${it}: key ${k} is ${got.get(k)}, expected ${v} (a mix of generations)`; break; }
  }
  const r = reports[0];
  if (r?.fellBack) stats.fellBack++;
  stats.skippedRecords += r?.skipped.length ?? 0;
  if (readyAt >= 0) stats.killedWhileWriting++;
  if (g === floor + 1) stats.recoveredUnreported++;
  stats.maxSeq = Math.max(stats.maxSeq, g);
  stats.iterations++;
  if (failure !== undefined) {
    stats.failures.push(failure);
    break;
  }
}
if (values.dir === undefined) await rm(dir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ ok: stats.failures.length === 0, ...stats })}\n`);
process.exitCode = stats.failures.length === 0 ? 0 : 1;

#!/usr/bin/env node
// Crash test of the append-only log (needs `pnpm build`):
//   node scripts/aof-crash-test.mjs [--iterations N] [--fsync always|everysec|no] [--max-delay MS]
// Each iteration: a child replays the log, appends 1, 2, 3, ... and prints `ack n` as each append
// resolves; it is SIGKILLed after a random delay. The replay must then be exactly 1..m (no gap, no
// duplicate, no partial record) with m >= every acknowledged n. Under SIGKILL the page cache
// survives, so this holds for every policy; `always` also holds across power loss (not testable here).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { replayAppendLog } from '../dist/index.js';
import { prng } from './crash-model.mjs';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '200' }, fsync: { type: 'string', default: 'always' }, 'max-delay': { type: 'string', default: '60' }, seed: { type: 'string', default: '3' } } });
const child = fileURLToPath(new URL('./aof-child.mjs', import.meta.url));
const dir = await mkdtemp(join(tmpdir(), 'shn-aof-crash-'));
const rnd = prng(Number(values.seed));
const stats = { iterations: 0, maxAcked: 0, torn: 0, failures: [] };
for (let it = 0; it < Number(values.iterations); it++) {
  const acked = await new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [child, dir, values.fsync], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    let err = '';
    let max = 0;
    c.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const [w, n] = buf.slice(0, i).split(' ');
        buf = buf.slice(i + 1);
        if (w === 'ack') {
          // Armed at the first acknowledgement, so every kill lands among appends in flight.
          if (max === 0) setTimeout(() => c.kill('SIGKILL'), Math.floor(rnd() * Number(values['max-delay'])));
          max = Math.max(max, Number(n));
        }
      }
    });
    c.stderr.on('data', (d) => (err += d));
    c.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(max) : reject(new Error(`child exited (${code}): ${err}`))));
  });
  const got = [];
  let report;
  try {
    report = await replayAppendLog(dir, 'aof', 0, (rec) => got.push(Number(new TextDecoder().decode(rec))));
  } catch (e) {
    stats.failures.push(`iteration ${it}: replay threw ${e.code} ${e.message}`);
    break;
  }
  stats.iterations++;
  if (report.tornBytes > 0) stats.torn++;
  stats.maxAcked = Math.max(stats.maxAcked, acked);
  const bad = got.findIndex((v, i) => v !== i + 1);
  if (bad >= 0) {
    stats.failures.push(`iteration ${it}: record ${bad} is ${got[bad]}, expected ${bad + 1}`);
    break;
  }
  if (got.length < acked) {
    stats.failures.push(`iteration ${it}: ${acked} acknowledged, only ${got.length} replayed`);
    break;
  }
}
await rm(dir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify({ ok: stats.failures.length === 0, fsync: values.fsync, ...stats })}\n`);
process.exitCode = stats.failures.length === 0 ? 0 : 1;

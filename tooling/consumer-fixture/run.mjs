#!/usr/bin/env node
/**
 * `pnpm check:consumer`: the consumer fixture, outside the workspace. Packs every package under
 * packages/ (`pnpm pack`), installs the tarballs with npm into a fresh app in the OS temp folder
 * (no workspace links, no pnpm), then
 * 1. type-checks app/consumer.ts with TypeScript 6.0 (`typescript@~6.0.3`, skipLibCheck off);
 * 2. runs app/smoke.mjs (every package loads from its tarball; one simulated ask) and the
 *    `shn-sim` bin (a 3-seed sweep in 2 worker processes, host `@shn/core-mailbox` from the app);
 * 3. installs the latest TypeScript 7.x (`typescript@7`, the native compiler; its `tsc` bin is the
 *    same command) and type-checks again.
 * Prints one line per step and exits 1 at the first failure. Needs built dist/ folders.
 * `--keep` leaves the temp app in place and prints its path.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageDirs, packPackage } from '../rules/check-packages.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'shn-consumer-'));
const app = join(work, 'app');
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs, { recursive: true });

/** Runs a command in the app, echoing a one-line summary; returns its stdout. */
function run(what, cmd, args) {
  const started = Date.now();
  try {
    const out = execFileSync(cmd, args, { cwd: app, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
    process.stdout.write(`ok   ${what} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    return out;
  } catch (e) {
    process.stdout.write(`FAIL ${what}\n${String(e.stdout ?? '')}${String(e.stderr ?? '')}\n`);
    throw new Error(`consumer fixture: ${what} failed`);
  }
}

let code = 0;
try {
  const packed = packageDirs().map((dir) => packPackage(dir, tarballs));
  process.stdout.write(`ok   packed ${packed.map((t) => basename(t)).join(', ')}\n`);
  cpSync(join(here, 'app'), app, { recursive: true });
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'shn-consumer-fixture', private: true, type: 'module' }, null, 2)}\n`);
  const npmi = ['install', '--no-audit', '--no-fund', '--loglevel=error'];
  run('npm install the tarballs, typescript@~6.0.3, @types/node@^20.19', 'npm', [...npmi, ...packed, 'typescript@~6.0.3', '@types/node@^20.19.0']);
  const v6 = run('tsc --version', 'npx', ['--no-install', 'tsc', '--version']).trim();
  run(`type-check consumer.ts with ${v6}`, 'npx', ['--no-install', 'tsc', '-p', 'tsconfig.json']);
  process.stdout.write(`     ${run('node smoke.mjs', process.execPath, ['smoke.mjs']).trim()}\n`);
  const sweep = run('npx shn-sim counter --seeds 3 --workers 2 --host @shn/core-mailbox', 'npx', ['--no-install', 'shn-sim', 'counter', '--seeds', '3', '--workers', '2', '--host', '@shn/core-mailbox']);
  if (!/counter: 3 seeds from 0, 0 failed, 3 passed/.test(sweep)) throw new Error(`shn-sim sweep said: ${sweep}`);
  run('npm install typescript@7 (latest 7.x)', 'npm', [...npmi, '-D', 'typescript@7']);
  const v7 = run('tsc --version', 'npx', ['--no-install', 'tsc', '--version']).trim();
  const installed = JSON.parse(readFileSync(join(app, 'node_modules', 'typescript', 'package.json'), 'utf8')).version;
  if (!installed.startsWith('7.')) throw new Error(`expected TypeScript 7.x, got ${installed}`);
  run(`type-check consumer.ts with ${v7} (typescript@${installed})`, 'npx', ['--no-install', 'tsc', '-p', 'tsconfig.json']);
  process.stdout.write(`check:consumer: consumer.ts type-checks with ${v6} and ${v7}\n`);
} catch (e) {
  process.stdout.write(`${e instanceof Error ? e.message : String(e)}\n`);
  code = 1;
} finally {
  if (keep) process.stdout.write(`kept ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
}
process.exitCode = code;

#!/usr/bin/env node
/**
 * `pnpm check:packages`: packs every package under packages/ with `pnpm pack` (as it would be
 * published: `workspace:` ranges replaced) and checks each tarball:
 * - nothing test-only ships: no `*.test.*`, `*.test-helper*` or `fixtures/` entry;
 * - it declares `engines.node` and is ESM-only with `"type": "module"`;
 * - publint finds no error or warning (`publint run <tarball> --strict`);
 * - @arethetypeswrong/cli finds no problem for ESM consumers (`attw <tarball> --profile esm-only`).
 * Prints one line per package and finding; exits 1 if any package fails. Needs built dist/
 * folders (the root script builds first). `--keep DIR` leaves the tarballs in DIR.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = (name) => join(repo, 'node_modules', '.bin', name);
const TEST_ONLY = /(\.test\.|\.test-helpers?\.|(^|\/)fixtures\/)/;

/**
 * Packs `pkgDir` into `outDir` with pnpm and returns the tarball's path.
 * @param {string} pkgDir
 * @param {string} outDir
 */
export function packPackage(pkgDir, outDir) {
  const before = new Set(readdirSync(outDir));
  execFileSync('pnpm', ['pack', '--pack-destination', outDir], { cwd: pkgDir, stdio: ['ignore', 'pipe', 'pipe'] });
  const made = readdirSync(outDir).filter((f) => f.endsWith('.tgz') && !before.has(f));
  if (made.length !== 1) throw new Error(`pnpm pack in ${pkgDir} made ${made.length} tarballs`);
  return join(outDir, made[0]);
}

/** Every package folder under packages/, sorted. */
export function packageDirs() {
  const dir = join(repo, 'packages');
  return readdirSync(dir)
    .filter((n) => existsSync(join(dir, n, 'package.json')))
    .sort()
    .map((n) => join(dir, n));
}

/**
 * Checks one tarball; returns the list of problems (empty when clean).
 * @param {string} tarball
 */
export function checkTarball(tarball) {
  const problems = [];
  const entries = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const e of entries) if (TEST_ONLY.test(e)) problems.push(`ships test-only file ${e}`);
  const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
  if (manifest.type !== 'module') problems.push('package.json: "type" must be "module" (the packages are ESM-only)');
  if (typeof manifest.engines?.node !== 'string') problems.push('package.json: engines.node is missing (want ">=20.10")');
  for (const [field, deps] of Object.entries({ dependencies: manifest.dependencies ?? {}, peerDependencies: manifest.peerDependencies ?? {} })) {
    for (const [name, range] of Object.entries(deps)) if (String(range).startsWith('workspace:')) problems.push(`${field}.${name} still says ${range}`);
  }
  const publint = spawnSync(bin('publint'), ['run', tarball, '--strict', '--level', 'warning'], { encoding: 'utf8' });
  if (publint.status !== 0) problems.push(`publint:\n${indent(`${publint.stdout}${publint.stderr}`)}`);
  const attw = spawnSync(bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'table-flipped', '--no-emoji', '--no-color'], { encoding: 'utf8' });
  // attw exits 0 for a package without any types; for these packages that is a failure too.
  if (attw.status !== 0 || /does not contain types/.test(attw.stdout)) problems.push(`attw (--profile esm-only):\n${indent(`${attw.stdout}${attw.stderr}`)}`);
  return problems;
}

function indent(text) {
  return text
    .trim()
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const keep = process.argv.indexOf('--keep');
  const out = keep >= 0 ? resolve(process.argv[keep + 1] ?? 'packed') : mkdtempSync(join(tmpdir(), 'shn-pack-'));
  mkdirSync(out, { recursive: true });
  let failed = 0;
  try {
    for (const dir of packageDirs()) {
      const name = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name;
      if (!existsSync(join(dir, 'dist'))) {
        process.stdout.write(`FAIL ${name}: no dist/ (run pnpm build first)\n`);
        failed++;
        continue;
      }
      const tarball = packPackage(dir, out);
      const problems = checkTarball(tarball);
      if (problems.length === 0) process.stdout.write(`ok   ${name}: no test code in the tarball; publint and attw (esm-only) clean\n`);
      else {
        failed++;
        process.stdout.write(`FAIL ${name}:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
      }
    }
  } finally {
    if (keep < 0) rmSync(out, { recursive: true, force: true });
  }
  process.stdout.write(failed === 0 ? 'check:packages: every package is clean\n' : `check:packages: ${failed} package(s) failed\n`);
  process.exitCode = failed === 0 ? 0 : 1;
}

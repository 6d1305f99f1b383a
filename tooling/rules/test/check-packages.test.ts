import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs script without type declarations
import { checkTarball } from '../check-packages.mjs';

const work = mkdtempSync(join(tmpdir(), 'shn-check-packages-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Makes a tarball laid out like `npm pack`'s (a top-level package/ folder). */
function tarball(name: string, manifest: object, files: Record<string, string>): string {
  const root = join(work, name);
  for (const [path, text] of Object.entries({ 'package.json': JSON.stringify(manifest), ...files })) {
    const full = join(root, 'package', path);
    mkdirSync(join(full, '..'), { recursive: true });
    writeFileSync(full, text);
  }
  const out = join(work, `${name}.tgz`);
  execFileSync('tar', ['-czf', out, '-C', root, 'package']);
  return out;
}

const exportsMap = { '.': { types: './dist/index.d.ts', import: './dist/index.js' } };

describe('check:packages on a tarball', () => {
  it('names every test-only file that ships, a missing engines field and a non-ESM package', () => {
    const bad = tarball('bad', { name: 'bad', version: '1.0.0', exports: exportsMap }, {
      'dist/index.js': 'export const x = 1;\n',
      'dist/index.d.ts': 'export declare const x = 1;\n',
      'dist/laws/crdt-laws.test-helper.js': "import 'vitest';\n",
      'dist/a.test.js': '\n',
      'dist/runtime/fixtures/test-system.js': '\n',
    });
    const problems: string[] = checkTarball(bad);
    expect(problems).toEqual(
      expect.arrayContaining([
        'ships test-only file package/dist/laws/crdt-laws.test-helper.js',
        'ships test-only file package/dist/a.test.js',
        'ships test-only file package/dist/runtime/fixtures/test-system.js',
        'package.json: "type" must be "module" (the packages are ESM-only)',
        'package.json: engines.node is missing (want ">=20.10")',
      ]),
    );
  }, 60_000);

  it('passes a clean ESM-only package, and reports what publint and attw find in a broken exports map', () => {
    const manifest = { name: 'good', version: '1.0.0', type: 'module', license: 'MIT', engines: { node: '>=20.10' }, exports: exportsMap };
    const files = { 'dist/index.js': 'export const x = 1;\n', 'dist/index.d.ts': 'export declare const x = 1;\n' };
    expect(checkTarball(tarball('good', manifest, files))).toEqual([]);
    const broken = checkTarball(
      tarball('broken', { ...manifest, name: 'broken', exports: { '.': { import: './dist/index.js', types: './dist/missing.d.ts' } } }, { 'dist/index.js': files['dist/index.js'] }),
    );
    expect(broken.some((p) => p.startsWith('publint:') && p.includes('missing.d.ts'))).toBe(true);
    expect(broken.some((p) => p.startsWith('attw (--profile esm-only):') && p.includes('does not contain types'))).toBe(true);
    // Types that say CommonJS for an ESM file ("masquerading as CJS"): attw's finding is reported.
    const falseCjs = checkTarball(
      tarball('false-cjs', { ...manifest, name: 'false-cjs', exports: { '.': { types: './dist/index.d.cts', import: './dist/index.js' } } }, {
        'dist/index.js': files['dist/index.js'],
        'dist/index.d.cts': 'export declare const x: number;\n',
      }),
    );
    expect(falseCjs.some((p) => p.startsWith('attw (--profile esm-only):') && p.includes('CommonJS type declaration'))).toBe(true);
  }, 60_000);
});

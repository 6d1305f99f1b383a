import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..');
const leaks = readFileSync(join(here, '..', 'fixtures', 'determinism', 'leaks.ts'), 'utf8');
const clean = readFileSync(join(here, '..', 'fixtures', 'determinism', 'clean.ts'), 'utf8');

/** Lints `code` as if it were the file `path` (relative to the repo), with that package's own eslint config. */
async function lintAs(path: string, code: string): Promise<ESLint.LintResult> {
  const pkg = join(repo, path.split('/').slice(0, 2).join('/'));
  const eslint = new ESLint({ cwd: pkg });
  const [result] = await eslint.lintText(code, { filePath: join(repo, path) });
  return result!;
}

const restricted = (r: ESLint.LintResult): string[] =>
  r.messages.filter((m) => m.ruleId?.startsWith('no-restricted-') === true).map((m) => `${m.line}:${m.ruleId}`);

describe('the determinism rule, as pnpm lint checks it', () => {
  it('fires on Date.now, performance.now, Math.random, setTimeout, setInterval, imported timers, process.hrtime and new Date() in package code', async () => {
    const r = await lintAs('packages/crdt/src/leaks.ts', leaks);
    expect(restricted(r)).toEqual([
      '2:no-restricted-imports',
      '4:no-restricted-properties',
      '5:no-restricted-properties',
      '6:no-restricted-properties',
      '7:no-restricted-globals',
      '8:no-restricted-globals',
      '10:no-restricted-properties',
      '11:no-restricted-syntax',
    ]);
    const text = r.messages.map((m) => m.message).join('\n');
    for (const what of ['Date.now()', 'performance.now()', 'Math.random()', 'setTimeout', 'setInterval', 'process.hrtime()']) expect(text).toContain(`${what} breaks the determinism rule`);
    expect(text).toContain('Use clock.now()');
  });

  it('fires in every package, Date.now() added to packages/crdt/src/index.ts included', async () => {
    for (const path of ['packages/crdt/src/index.ts', 'packages/sim/src/sim-node.ts', 'packages/core-mailbox/src/runtime/runtime.ts', 'packages/core/src/address.ts']) {
      const r = await lintAs(path, 'export const t = Date.now();\n');
      expect(restricted(r), path).toEqual(['1:no-restricted-properties']);
    }
  });

  it('leaves alone the system implementations, tests, test helpers, apps, and code that uses Clock/Timer/Rng', async () => {
    for (const path of ['packages/core/src/system.ts', 'packages/crdt/src/leaks.test.ts', 'packages/sim/src/x.test-helper.ts', 'apps/bench/src/leaks.ts']) {
      expect(restricted(await lintAs(path, leaks)), path).toEqual([]);
    }
    const ok = await lintAs('packages/crdt/src/clean.ts', clean);
    expect(ok.messages).toEqual([]);
  });
});

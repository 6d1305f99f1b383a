import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..', '..');
const check = join(here, '..', 'check.mjs');
const config = join(repo, '.dependency-cruiser.cjs');

/** Runs the dependency check (what `pnpm lint` runs) with the repository's own rules, in `cwd`. */
function lint(cwd: string, dirs: string[]): { code: number; out: string } {
  const r = spawnSync(process.execPath, [check, '--config', config, ...dirs], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe('the dependency rule, as pnpm lint checks it', () => {
  const fixture = join(here, '..', 'fixtures', 'workspace');
  const { code, out } = lint(fixture, ['packages', 'apps']);

  it('fails on package code that imports another @shn package, naming the file, the import and the rule', () => {
    expect(code).not.toBe(0);
    expect(out).toContain("error package-depends-only-on-core: packages/alpha/src/index.ts imports '@shn/beta' (resolved to packages/beta/src/index.ts)");
  });

  it('sees import cycles across packages', () => {
    expect(out).toMatch(/error no-circular: packages\/(gamma|delta)\/src\/index\.ts imports '@shn\/(delta|gamma)'/);
    expect(out).toMatch(/cycle: packages\/(delta|gamma)\/src\/index\.ts → packages\/(gamma|delta)\/src\/index\.ts → packages\/(delta|gamma)\/src\/index\.ts/);
  });

  it('refuses deep relative imports into a package and @shn imports that resolve to nothing', () => {
    expect(out).toContain("error no-deep-imports-into-packages: apps/app/src/main.ts imports '../../../packages/beta/src/index.js'");
    expect(out).toContain("error no-unresolvable-workspace-import: packages/beta/src/planned.ts imports '@shn/backpressure' (unresolved)");
  });

  it('allows what the rule allows: @shn/core from packages, any package from tests and apps', () => {
    expect(out).not.toMatch(/packages\/beta\/src\/index\.ts imports '@shn\/core'/);
    expect(out).not.toContain('alpha.test.ts');
    expect(out).not.toMatch(/apps\/app\/src\/main\.ts imports '@shn\/alpha'/);
    expect(out).toMatch(/dependency rules: 6 violation\(s\), 6 error\(s\)/);
  });

  it('passes on the repository itself', () => {
    const own = lint(repo, ['packages', 'apps']);
    expect(own.out).toMatch(/^dependency rules: no violations \(\d+ modules, \d+ dependencies\)/);
    expect(own.code).toBe(0);
  });
});

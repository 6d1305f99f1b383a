/**
 * The dependency rule of ARCHITECTURE.md, checked by `pnpm lint` (run it from the repository root):
 * - a package under packages/ may import @shn/core and its own third-party libraries, never
 *   another @shn/* package at run time (tests and test helpers may: they are dev-only);
 * - no circular imports anywhere, across packages too;
 * - no imports of a package's internals, and no @shn/* import that the workspace cannot resolve.
 *
 * Workspace imports are seen for what they are: every `@shn/<name>[/<subpath>]` that a
 * `packages/<name>/package.json` exports is resolved to that package's SOURCE file (the
 * export's `./dist/x.js` read as `./src/x.ts`), through a generated tsconfig `paths` file. So the
 * check needs no build, and the graph it checks (and its cycles) spans packages. Without this,
 * every workspace import resolved into node_modules/ or dist/, which the cruise excludes, and
 * nothing was ever checked (issue 9).
 */
const fs = require('node:fs');
const path = require('node:path');

const root = process.cwd();

/** `@shn/x[/sub]` → source file, from each workspace package's exports map. */
function workspacePaths() {
  const paths = {};
  const dir = path.join(root, 'packages');
  if (!fs.existsSync(dir)) return paths;
  for (const name of fs.readdirSync(dir).sort()) {
    const manifest = path.join(dir, name, 'package.json');
    if (!fs.existsSync(manifest)) continue;
    const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    const exportsMap = typeof pkg.exports === 'string' ? { '.': pkg.exports } : (pkg.exports ?? { '.': pkg.main ?? './dist/index.js' });
    for (const [subpath, target] of Object.entries(exportsMap)) {
      if (subpath === './package.json') continue;
      const file = typeof target === 'string' ? target : (target.import ?? target.default);
      if (typeof file !== 'string') continue;
      const source = file.replace(/^\.\/dist\//, './src/').replace(/\.js$/, '.ts');
      const specifier = subpath === '.' ? pkg.name : `${pkg.name}${subpath.slice(1)}`;
      paths[specifier] = [path.posix.join('packages', name, source)];
    }
  }
  return paths;
}

const cacheDir = path.join(root, 'node_modules', '.cache', 'shn-dependency-rules');
fs.mkdirSync(cacheDir, { recursive: true });
const tsConfigFile = path.join(cacheDir, 'tsconfig.paths.json');
// TypeScript refuses a tsconfig without inputs: give it one empty file.
fs.writeFileSync(path.join(cacheDir, 'empty.ts'), 'export {};\n');
fs.writeFileSync(
  tsConfigFile,
  `${JSON.stringify({ compilerOptions: { baseUrl: root, paths: workspacePaths() }, files: ['empty.ts'] }, null, 2)}\n`,
);

/** Test code: tests, test helpers, fixtures and conformance suites (dev-only, may use any @shn package). */
const TEST_CODE = '\\.(test|spec|bench)\\.[cm]?[jt]s$|\\.test-helpers?\\.[cm]?[jt]s$|/testing/|/fixtures/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Circular imports (also across packages) make load order fragile; split the shared piece out.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'package-depends-only-on-core',
      severity: 'error',
      comment:
        'packages/* may depend on @shn/core only (ARCHITECTURE.md, the dependency rule). If two packages must talk, the interface goes into @shn/core and an app composes them.',
      from: { path: '^packages/([^/]+)/', pathNot: TEST_CODE },
      to: {
        path: '^packages/([^/]+)/',
        pathNot: ['^packages/core/', '^packages/$1/'],
      },
    },
    {
      name: 'no-deep-imports-into-packages',
      severity: 'error',
      comment: "Import a package through its name and exports map (@shn/x), never through a relative path into its files.",
      from: { path: '^(packages|apps|tooling)/([^/]+)/' },
      to: { path: '^packages/[^/]+/', pathNot: '^packages/$2/', dependencyTypesNot: ['aliased-tsconfig-paths', 'aliased-tsconfig'] },
    },
    {
      name: 'no-unresolvable-workspace-import',
      severity: 'error',
      comment: 'An @shn/* import must name a workspace package and one of its exports (a typo, a deep import past the exports map, or a package that does not exist yet).',
      from: {},
      to: { couldNotResolve: true, path: '^@shn/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules|generated|test-results)/' },
    includeOnly: '^(packages|apps|tooling|@shn/)',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: tsConfigFile },
    combinedDependencies: false,
    preserveSymlinks: false,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'types', 'default'], mainFields: ['module', 'main', 'types'] },
  },
};

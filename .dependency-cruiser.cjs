/**
 * The dependency rule of DESIGN.md, checked by `pnpm lint`:
 * - a package under packages/ may import @shn/core and its own third-party libraries, never
 *   another @shn/* package at run time (tests may: they are dev-only);
 * - no circular imports anywhere.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Circular imports make load order fragile; split the shared piece out.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'package-depends-only-on-core',
      severity: 'error',
      comment: 'packages/* may depend on @shn/core only (DESIGN.md, the dependency rule). Compose in apps/.',
      from: { path: '^packages/([^/]+)/src/', pathNot: '\\.(test|spec|bench)\\.ts$|/testing/' },
      to: {
        path: '^packages/([^/]+)/',
        pathNot: ['^packages/core/', '^packages/$1/'],
      },
    },
    {
      name: 'no-deep-imports-into-packages',
      severity: 'error',
      comment: 'Import a package through its exports map, never its internals.',
      from: { path: '^(packages|apps)/([^/]+)/' },
      to: { path: '^packages/[^/]+/src/', pathNot: '^packages/$2/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules|generated)/' },
    includeOnly: '^(packages|apps)/',
    tsPreCompilationDeps: true,
    combinedDependencies: false,
    preserveSymlinks: false,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'types', 'default'], mainFields: ['module', 'main', 'types'] },
  },
};

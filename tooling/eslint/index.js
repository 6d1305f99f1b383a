// Shared flat config for every @shn workspace package.
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** The repository's packages/ folder (absolute), so the determinism rule applies to package code only, wherever eslint runs from. */
const packagesDir = fileURLToPath(new URL('../../packages/', import.meta.url));

const DETERMINISM =
  'the determinism rule: package code takes time, timers and randomness from a Clock, Timer or Rng (defaults systemClock, systemTimer, systemRng from @shn/core), so a simulation can replace them';

/**
 * The determinism rule (ARCHITECTURE.md): package code never calls Date.now, performance.now,
 * Math.random, setTimeout or setInterval directly (nor process.hrtime or an argument-less
 * `new Date()`, which read the real clock too). Exempt: the system implementations
 * (`system.ts`, `system-*.ts`, `*.system.ts`), tests and test helpers, fixtures and the
 * `testing/` conformance suites. Apps are not package code.
 * @param {string} basePath - the packages/ folder the rule applies to (absolute).
 */
export function determinismRules(basePath = packagesDir) {
  return {
    name: 'shn/determinism',
    basePath,
    files: ['*/src/**/*.{ts,mts,cts,js,mjs,cjs}'],
    ignores: [
      '**/*.test.*',
      '**/*.test-helper.*',
      '**/fixtures/**',
      '**/testing/**',
      '**/system.ts',
      '**/system-*.ts',
      '**/*.system.ts',
    ],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: `Date.now() breaks ${DETERMINISM}. Use clock.now().` },
        { object: 'performance', property: 'now', message: `performance.now() breaks ${DETERMINISM}. Use clock.monotonic().` },
        { object: 'Math', property: 'random', message: `Math.random() breaks ${DETERMINISM}. Use rng.next().` },
        { object: 'globalThis', property: 'setTimeout', message: `setTimeout breaks ${DETERMINISM}. Use timer.setTimeout().` },
        { object: 'globalThis', property: 'setInterval', message: `setInterval breaks ${DETERMINISM}. Use timer.setTimeout() and re-arm.` },
        { object: 'globalThis', property: 'performance', message: `performance breaks ${DETERMINISM}. Use clock.monotonic().` },
        { object: 'process', property: 'hrtime', message: `process.hrtime() breaks ${DETERMINISM}. Use clock.monotonic().` },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: `new Date() reads the real clock and breaks ${DETERMINISM}. Use new Date(clock.now()).`,
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: `setTimeout breaks ${DETERMINISM}. Use timer.setTimeout().` },
        { name: 'setInterval', message: `setInterval breaks ${DETERMINISM}. Use timer.setTimeout() and re-arm.` },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'node:timers', importNames: ['setTimeout', 'setInterval'], message: `Timers break ${DETERMINISM}. Use a Timer.` },
            { name: 'timers', importNames: ['setTimeout', 'setInterval'], message: `Timers break ${DETERMINISM}. Use a Timer.` },
            { name: 'node:timers/promises', importNames: ['setTimeout', 'setInterval'], message: `Timers break ${DETERMINISM}. Use a Timer.` },
            { name: 'timers/promises', importNames: ['setTimeout', 'setInterval'], message: `Timers break ${DETERMINISM}. Use a Timer.` },
            { name: 'node:perf_hooks', importNames: ['performance'], message: `performance breaks ${DETERMINISM}. Use a Clock.` },
            { name: 'perf_hooks', importNames: ['performance'], message: `performance breaks ${DETERMINISM}. Use a Clock.` },
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/generated/**', '**/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  determinismRules(),
);

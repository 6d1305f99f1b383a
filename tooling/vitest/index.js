// Shared vitest defaults: tests sit next to the code as src/**/*.test.ts.
import { defineConfig } from 'vitest/config';

/** @param {import('vitest/config').UserConfig['test']} [overrides] */
export function shnVitestConfig(overrides = {}) {
  return defineConfig({
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 30_000,
      reporters: process.env.CI ? ['default', 'junit'] : ['default'],
      outputFile: { junit: 'test-results/junit.xml' },
      ...overrides,
    },
  });
}
export default shnVitestConfig();

import { fileURLToPath } from 'node:url';
import path from 'node:path';

/**
 * Absolute path of the apps/bench folder. This file sits at `src/harness/` (or
 * `dist/harness/` once built), two levels below the package root either way.
 */
export const benchRoot: string = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

/** Absolute path of the repository root (two levels above apps/bench). */
export const repoRoot: string = path.resolve(benchRoot, '..', '..');

/** Default folder for results files: `apps/bench/results`. */
export const defaultResultsDir: string = path.join(benchRoot, 'results');

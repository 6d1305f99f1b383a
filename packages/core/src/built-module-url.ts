import { ShnError } from './errors.js';

/**
 * The URL of a sibling module as it is in the built output.
 *
 * Worker threads run plain Node (no TypeScript loader on Node 20), so a module that passes one of
 * its siblings to a worker must name the built `.js` file even while it runs from TypeScript
 * sources (under vitest or tsx). `here` is the caller's `import.meta.url`; `relative` names the
 * sibling from the caller's folder as built, e.g. `'./shard-worker.js'`. When `here` ends in
 * `.ts` (sources under `<pkg>/src/`), the result points into `<pkg>/dist/` instead.
 * Pure string work: it does not check that the file exists.
 * @throws ShnError `INVALID_ARGUMENT` if `here` is not a file URL or `relative` does not end in `.js`.
 */
export function builtModuleUrl(here: string, relative: string): URL {
  if (typeof here !== 'string' || !here.startsWith('file:')) {
    throw new ShnError('INVALID_ARGUMENT', `builtModuleUrl: here must be import.meta.url (a file: URL), got ${JSON.stringify(here)}`);
  }
  if (typeof relative !== 'string' || !/\.m?js$/.test(relative)) {
    throw new ShnError('INVALID_ARGUMENT', `builtModuleUrl: relative must name a .js file, got ${JSON.stringify(relative)}`);
  }
  if (!here.endsWith('.ts')) return new URL(relative, here);
  const i = here.lastIndexOf('/src/');
  if (i < 0) throw new ShnError('INVALID_ARGUMENT', `builtModuleUrl: a .ts caller must live under src/, got ${here}`);
  const distHere = `${here.slice(0, i)}/dist/${here.slice(i + 5).replace(/\.ts$/, '.js')}`;
  return new URL(relative, distHere);
}

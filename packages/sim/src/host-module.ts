import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ShnError } from '@shn/core';
import type { ActorHostFactory } from '@shn/core';

const PACKAGE_SPECIFIER = /^((?:@[^/\\]+\/)?[^/\\.][^/\\]*)(\/.+)?$/;

/**
 * Finds the ESM entry of the package `specifier` (`name` or `name/subpath`) installed in a
 * `node_modules` folder at or above `from`, through its exports map (`import`, then `default`),
 * or its `main`. Undefined when no such package is installed there.
 */
function resolveInstalled(specifier: string, from: string): string | undefined {
  const m = PACKAGE_SPECIFIER.exec(specifier);
  if (m === null) return undefined;
  const name = m[1] as string;
  const subpath = m[2] === undefined ? '.' : `.${m[2]}`;
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const manifest = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: unknown; main?: string };
      const exportsMap = typeof pkg.exports === 'string' ? { '.': pkg.exports } : (pkg.exports as Record<string, unknown> | undefined);
      let entry: unknown = exportsMap === undefined ? (subpath === '.' ? (pkg.main ?? 'index.js') : subpath) : exportsMap[subpath];
      if (typeof entry === 'object' && entry !== null) entry = (entry as { import?: unknown; default?: unknown }).import ?? (entry as { default?: unknown }).default;
      return typeof entry === 'string' ? pathToFileURL(join(dirname(manifest), entry)).href : undefined;
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Loads an {@link ActorHostFactory} from a module, for the CLI's `--host`: the module's
 * `createActorHost` export, or its default export. `specifier` is a file path (starting with
 * `.` or `/`, resolved from `from`) or a package name such as `@shn/core-mailbox`, looked up in
 * the `node_modules` folders at and above `from` (your app's own install), then from this
 * package's location (as `import()` does).
 *
 * This is how `@shn/sim` runs the production host without depending on it: the caller names it.
 * @param from - the folder paths and packages are resolved from (default: the working directory).
 * @throws ShnError `INVALID_ARGUMENT` (as a rejection) if the module cannot be imported or exports no factory.
 */
export async function loadActorHost(specifier: string, from: string = process.cwd()): Promise<ActorHostFactory> {
  if (typeof specifier !== 'string' || specifier.length === 0) {
    throw new ShnError('INVALID_ARGUMENT', `--host needs a module (e.g. @shn/core-mailbox), got ${JSON.stringify(specifier)}`);
  }
  const isPath = /^(\.{1,2}[\\/]|[\\/]|[A-Za-z]:[\\/])/.test(specifier);
  const url = isPath ? pathToFileURL(resolve(from, specifier)).href : (resolveInstalled(specifier, from) ?? specifier);
  let mod: { createActorHost?: unknown; default?: unknown };
  try {
    mod = (await import(url)) as typeof mod;
  } catch (e) {
    throw new ShnError('INVALID_ARGUMENT', `cannot import actor host module ${specifier}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const factory = mod.createActorHost ?? mod.default;
  if (typeof factory !== 'function') {
    throw new ShnError('INVALID_ARGUMENT', `actor host module ${specifier} must export createActorHost (or a default export): an ActorHostFactory`);
  }
  return factory as ActorHostFactory;
}

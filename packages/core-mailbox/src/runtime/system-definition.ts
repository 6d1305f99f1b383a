import { realpathSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ShnError, resolveSystem } from '@shn/core';
import type { SystemDefinition, SystemParams } from '@shn/core';

export { defineSystem } from '@shn/core';
export type { SystemDefinition } from '@shn/core';

/** A global a shard thread sets to its system module's URL before importing it. */
export const SHARD_THREAD_MARK = Symbol.for('@shn/core-mailbox/shard-thread-system');

/** The module URL (as a string) for a system given as URL, file URL string or absolute path. */
export function systemModuleUrl(system: URL | string): string {
  if (system instanceof URL) return system.href;
  if (typeof system !== 'string' || system.length === 0) {
    throw new ShnError('INVALID_ARGUMENT', 'system must be a URL or an absolute path to a module');
  }
  if (/^(file|data):/.test(system)) return system;
  if (!system.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(system)) {
    throw new ShnError('INVALID_ARGUMENT', `system path must be absolute, got ${JSON.stringify(system)}`);
  }
  return pathToFileURL(system).href;
}

/** What to do about a system module that is also the program's entry (or a module still loading). */
export function sameFileAdvice(url: string): string {
  return (
    `the system module ${url} is the module that calls createRuntime (or one it is still importing). ` +
    'Every shard thread imports the system module, so it must only define the system: put the ' +
    "`export default defineSystem(...)` in a file of its own (e.g. system.js) and start the runtime from another " +
    "file with createRuntime({ system: new URL('./system.js', import.meta.url) }). " +
    'Otherwise the module imports itself under top-level await, which deadlocks (Node exits with code 13), ' +
    'and every shard thread would start a runtime of its own.'
  );
}

function realFileUrl(url: string): string | undefined {
  if (!url.startsWith('file:')) return undefined;
  try {
    return pathToFileURL(realpathSync(fileURLToPath(url))).href;
  } catch {
    return undefined;
  }
}

/**
 * Refuses a system module that is the program's main module, or the system module of the shard
 * thread this call runs in.
 * @throws ShnError `INVALID_ARGUMENT` with {@link sameFileAdvice}.
 */
export function assertNotEntryModule(url: string): void {
  const inShard = (globalThis as Record<symbol, unknown>)[SHARD_THREAD_MARK];
  if (typeof inShard === 'string') {
    throw new ShnError('INVALID_ARGUMENT', `createRuntime was called inside a shard thread while it imported ${inShard}: ${sameFileAdvice(url)}`);
  }
  const main = process.argv[1];
  if (main === undefined || main.length === 0) return;
  const system = realFileUrl(url);
  if (system === undefined) return;
  let entry: string | undefined;
  try {
    entry = pathToFileURL(realpathSync(main)).href;
  } catch {
    return;
  }
  if (entry === system) throw new ShnError('INVALID_ARGUMENT', sameFileAdvice(url));
}

/**
 * Imports a system module and returns its validated default export, called with `params` if it is a factory.
 * If the process exits while the import is still pending (a module that imports itself under
 * top-level await: Node exits with code 13 and says little), the advice of {@link sameFileAdvice}
 * is written to stderr first.
 */
export async function loadSystem(url: string, params?: SystemParams): Promise<SystemDefinition> {
  let mod: { default?: unknown };
  const onExit = (code: number): void => {
    // Node reports an unsettled top-level await with exit code 13 (in process.exitCode; `code` may say 0).
    if (code === 13 || process.exitCode === 13) process.stderr.write(`shn: createRuntime never finished importing its system module: ${sameFileAdvice(url)}\n`);
  };
  process.once('exit', onExit);
  try {
    mod = (await import(url)) as { default?: unknown };
  } catch (cause) {
    throw new ShnError('INVALID_ARGUMENT', `cannot import system module ${url}: ${(cause as Error).message}`, { cause });
  } finally {
    process.off('exit', onExit);
  }
  return resolveSystem(mod.default, params, `system module ${url}`);
}

import { ShnError, resolveSystem } from '@shn/core';
import type { SystemDefinition, SystemParams } from '@shn/core';
import { pathToFileURL } from 'node:url';

export { defineSystem } from '@shn/core';
export type { SystemDefinition } from '@shn/core';

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

/** Imports a system module and returns its validated default export, called with `params` if it is a factory. */
export async function loadSystem(url: string, params?: SystemParams): Promise<SystemDefinition> {
  let mod: { default?: unknown };
  try {
    mod = (await import(url)) as { default?: unknown };
  } catch (cause) {
    throw new ShnError('INVALID_ARGUMENT', `cannot import system module ${url}: ${(cause as Error).message}`, { cause });
  }
  return resolveSystem(mod.default, params, `system module ${url}`);
}

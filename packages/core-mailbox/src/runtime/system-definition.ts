import { ShnError, assertKind } from '@shn/core';
import type { Middleware, Router } from '@shn/core';
import { pathToFileURL } from 'node:url';
import type { ActorKindDefinition } from '../actors/index.js';

/**
 * What a system module's default export declares: the actor kinds, and optionally the
 * router and middleware. The module is imported by every shard thread and by the main
 * thread, so it must be importable by plain Node and must not start servers at import time.
 */
export interface SystemDefinition {
  /** Actor kinds by name (`[A-Za-z0-9_.:-]{1,64}`). */
  readonly kinds: Readonly<Record<string, ActorKindDefinition>>;
  /** Places `kind/id` on a shard; default {@link jumpHashRouter}. Must be deterministic. */
  readonly router?: Router;
  /** Interceptors, outermost first, run in every thread for send, receive and ask. */
  readonly middleware?: readonly Middleware[];
}

const BRAND = Symbol.for('@shn/core-mailbox/SystemDefinition');

/**
 * Validates and brands a system definition; use it as a system module's default export.
 * @throws ShnError `INVALID_ARGUMENT` for a malformed definition.
 */
export function defineSystem(def: SystemDefinition): SystemDefinition {
  if (typeof def !== 'object' || def === null || typeof def.kinds !== 'object' || def.kinds === null) {
    throw new ShnError('INVALID_ARGUMENT', 'defineSystem needs { kinds: { name: { factory } } }');
  }
  for (const [name, kind] of Object.entries(def.kinds)) {
    assertKind(name);
    if (typeof kind?.factory !== 'function') {
      throw new ShnError('INVALID_ARGUMENT', `actor kind ${JSON.stringify(name)} needs a factory function`);
    }
  }
  if (def.router !== undefined && typeof def.router.pick !== 'function') {
    throw new ShnError('INVALID_ARGUMENT', 'router must have a pick(key, candidates) function');
  }
  for (const m of def.middleware ?? []) {
    if (typeof m !== 'object' || m === null || typeof m.name !== 'string') {
      throw new ShnError('INVALID_ARGUMENT', 'every middleware needs a name');
    }
  }
  return Object.freeze({ ...def, [BRAND]: true });
}

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

/** Imports a system module and returns its validated default export. */
export async function loadSystem(url: string): Promise<SystemDefinition> {
  let mod: { default?: unknown };
  try {
    mod = (await import(url)) as { default?: unknown };
  } catch (cause) {
    throw new ShnError('INVALID_ARGUMENT', `cannot import system module ${url}: ${(cause as Error).message}`, { cause });
  }
  const def = mod.default as SystemDefinition | undefined;
  if (def === undefined || (def as unknown as Record<symbol, unknown>)[BRAND] !== true) {
    throw new ShnError('INVALID_ARGUMENT', `system module ${url} must default-export defineSystem({...})`);
  }
  return def;
}

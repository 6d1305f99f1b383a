import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ShnError } from '@shn/core';
import type { ActorHostFactory } from '@shn/core';

/**
 * Loads an {@link ActorHostFactory} from a module, for the CLI's `--host`: the module's
 * `createActorHost` export, or its default export. `specifier` is a package name
 * (`@shn/core-mailbox`, resolved from this package's location, as `import()` does) or a file
 * path (starting with `.` or `/`, resolved from the working directory).
 *
 * This is how `@shn/sim` runs the production host without depending on it: the caller names it.
 * @throws ShnError `INVALID_ARGUMENT` (as a rejection) if the module cannot be imported or exports no factory.
 */
export async function loadActorHost(specifier: string): Promise<ActorHostFactory> {
  if (typeof specifier !== 'string' || specifier.length === 0) {
    throw new ShnError('INVALID_ARGUMENT', `--host needs a module (e.g. @shn/core-mailbox), got ${JSON.stringify(specifier)}`);
  }
  const url = /^(\.{1,2}[\\/]|[\\/]|[A-Za-z]:[\\/])/.test(specifier) ? pathToFileURL(resolve(specifier)).href : specifier;
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

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ShnError } from '@shn/core';

/**
 * The compiled chaos system module (`dist/chaos/chaos-system.js`): the kv system plus the
 * chaos middleware configured by its params (`ChaosSystemParams`). Pass it as
 * `startServer({ systemModule, params })`.
 * Shard threads run plain JavaScript, so the built file is used even from sources.
 * @throws ShnError `INVALID_ARGUMENT` if apps/demo has not been built.
 */
export function chaosSystemModule(): URL {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = fromSource ? new URL('../../dist/chaos/chaos-system.js', import.meta.url) : new URL('./chaos-system.js', import.meta.url);
  if (!existsSync(fileURLToPath(url))) {
    throw new ShnError('INVALID_ARGUMENT', `chaos system module not found at ${url.href}; run \`pnpm build\` in apps/demo`);
  }
  return url;
}

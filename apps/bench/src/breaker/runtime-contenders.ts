import { ShnError, builtModuleUrl } from '@shn/core';
import { createRuntime } from '@shn/core-mailbox';
import type { Runtime } from '@shn/core-mailbox';

/** A runtime answering asks from the main thread, with or without the breaker middleware. */
export interface RuntimeContender {
  readonly id: string;
  readonly subject: string;
  /** One ask to the shard's echo actor, checked. */
  readonly call: () => Promise<void>;
  close(): Promise<void>;
}

const ASK_TIMEOUT_MS = 30_000;

async function start(id: string, subject: string, module: string): Promise<RuntimeContender> {
  const rt: Runtime = await createRuntime({ system: builtModuleUrl(import.meta.url, module), shards: 1 });
  const echo = rt.refOnShard(0, 'echo', 'e');
  let n = 0;
  return {
    id,
    subject,
    call: async () => {
      const sent = ++n;
      const back = await echo.ask<number>('echo', sent, { timeoutMs: ASK_TIMEOUT_MS });
      if (back !== sent) throw new ShnError('PROTOCOL_ERROR', `echo answered ${String(back)} to ${sent}`);
    },
    close: () => rt.close(),
  };
}

/**
 * Two one-shard runtimes: the plain echo system, and the same system with the breaker ask
 * middleware at its defaults. Rejects if either cannot start (after closing the other).
 */
export async function startRuntimeContenders(): Promise<RuntimeContender[]> {
  const plain = await start('runtime.bare', 'runtime ask, main thread → shard (baseline)', './echo-system.js');
  try {
    return [plain, await start('runtime.guarded', 'runtime ask through the breaker middleware (defaults)', './guarded-echo-system.js')];
  } catch (e) {
    await plain.close();
    throw e;
  }
}

import { ShnError } from '@shn/core';
import { createRuntime } from '@shn/core-mailbox';
import type { MailboxContender } from './contender.js';
import { poolMask } from './set-message.js';
import type { SetMessage } from './set-message.js';
import { tsink } from './typed-protocol.js';
import { yieldBriefly } from '../harness/yield.js';

const ASK_TIMEOUT_MS = 30_000;

/** Options of {@link startTypedRuntimeContender}. */
export interface TypedRuntimeOptions {
  /** Shard threads; undefined: createRuntime's default (one per core). */
  readonly shards?: number | undefined;
}

/**
 * The user's own fast path: `createRuntime` with the `set` message declared
 * (`defineMessages`), `tell(tsink.set, key, { key, value })` to per-shard actors (one-way, closed
 * by a typed ask of every shard's count, which FIFO order puts behind every tell) and
 * `ask(tsink.set, key, body)` round trips. When a tell answers `full`, the sender yields
 * (setImmediate) and retries. Rejects with ShnError PROTOCOL_ERROR if the counts are short or an
 * echo differs, RUNTIME_CLOSED if a tell answers `closed`, or the runtime's own errors.
 */
export async function startTypedRuntimeContender(
  messages: readonly SetMessage[],
  options: TypedRuntimeOptions = {},
): Promise<MailboxContender & { readonly fullRetries: number; readonly shards: number }> {
  const runtime = await createRuntime({
    system: new URL('./runtime-typed-system.js', import.meta.url),
    ...(options.shards === undefined ? {} : { shards: options.shards }),
  });
  const mask = poolMask(messages);
  const counters = Array.from({ length: runtime.shards }, (_, s) => runtime.refOnShard(s, 'tsink', 'counter'));
  const countNow = async () => {
    const counts = await Promise.all(counters.map((c) => c.ask(tsink.count, {}, { timeoutMs: ASK_TIMEOUT_MS })));
    return counts.reduce((sum, c) => sum + c.count, 0);
  };
  let cursor = 0;
  let fullRetries = 0;
  const shardsText = options.shards === undefined ? `default (${runtime.shards})` : String(runtime.shards);
  return {
    subject: `shn runtime, declared types, ${runtime.shards} shard${runtime.shards === 1 ? '' : 's'}`,
    note: `createRuntime({ shards: ${shardsText} }) with the set message declared: tell(tsink.set, key, {key, value}) to per-shard actors, closed by typed asks of every shard's count; full: yield (setImmediate) and retry`,
    get fullRetries() {
      return fullRetries;
    },
    shards: runtime.shards,
    async oneWay(n) {
      const before = await countNow();
      for (let i = 0; i < n; i++) {
        const msg = messages[cursor++ & mask] as SetMessage;
        for (;;) {
          const r = runtime.tell(tsink.set, msg.key, { key: msg.key, value: msg.value });
          if (r === 'accepted') break;
          if (r === 'closed') throw new ShnError('RUNTIME_CLOSED', 'runtime closed during the bench');
          fullRetries++;
          await yieldBriefly();
        }
      }
      const after = await countNow();
      if (after - before !== n) throw new ShnError('PROTOCOL_ERROR', `sinks counted ${after - before} of ${n} tells`);
    },
    async roundTrip() {
      const msg = messages[cursor++ & mask] as SetMessage;
      const back = await runtime.ask(tsink.set, msg.key, { key: msg.key, value: msg.value }, { timeoutMs: ASK_TIMEOUT_MS });
      if (back.key !== msg.key) throw new ShnError('PROTOCOL_ERROR', 'runtime echo does not match the message sent');
    },
    close: () => runtime.close(),
  };
}

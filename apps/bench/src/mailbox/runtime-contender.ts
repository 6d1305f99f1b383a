import { ShnError } from '@shn/core';
import { createRuntime } from '@shn/core-mailbox';
import type { MailboxContender } from './contender.js';
import { poolMask } from './set-message.js';
import type { SetMessage } from './set-message.js';
import { yieldBriefly } from '../harness/yield.js';

const ASK_TIMEOUT_MS = 30_000;

/**
 * The full shn runtime path with ONE shard: `tell('sink', key, 'set', { key, value })` to a
 * per-shard `sink` actor (one-way, closed by an ask of its count, which FIFO order puts
 * behind every tell), and `ask('set', ...)` round trips. When a tell answers `full`, the
 * sender yields to the event loop (setImmediate) and retries. Rejects with ShnError
 * PROTOCOL_ERROR if the actor's count is short, RUNTIME_CLOSED if a tell answers `closed`,
 * or with the runtime's own errors (TIMEOUT, SHARD_CRASHED...).
 */
export async function startRuntimeContender(messages: readonly SetMessage[]): Promise<MailboxContender & { readonly fullRetries: number }> {
  const runtime = await createRuntime({ system: new URL('./runtime-system.js', import.meta.url), shards: 1 });
  const mask = poolMask(messages);
  const counter = runtime.refOnShard(0, 'sink', 'counter');
  const countNow = async () => (await counter.ask<{ count: number }>('count', null, { timeoutMs: ASK_TIMEOUT_MS })).count;
  let cursor = 0;
  let fullRetries = 0;
  return {
    subject: 'shn runtime',
    note: 'createRuntime({ shards: 1 }): tell("set", {key, value}) to a per-shard actor, closed by an ask; full mailbox: yield (setImmediate) and retry',
    get fullRetries() {
      return fullRetries;
    },
    async oneWay(n) {
      const before = await countNow();
      for (let i = 0; i < n; i++) {
        const msg = messages[cursor++ & mask] as SetMessage;
        for (;;) {
          const r = runtime.tell('sink', msg.key, 'set', { key: msg.key, value: msg.value });
          if (r === 'accepted') break;
          if (r === 'closed') throw new ShnError('RUNTIME_CLOSED', 'runtime closed during the bench');
          fullRetries++;
          await yieldBriefly();
        }
      }
      const after = await countNow();
      if (after - before !== n) throw new ShnError('PROTOCOL_ERROR', `sink counted ${after - before} of ${n} tells`);
    },
    async roundTrip() {
      const msg = messages[cursor++ & mask] as SetMessage;
      const back = await runtime.ask<{ key: string }>('sink', msg.key, 'set', { key: msg.key, value: msg.value }, { timeoutMs: ASK_TIMEOUT_MS });
      if (back.key !== msg.key) throw new ShnError('PROTOCOL_ERROR', 'runtime echo does not match the message sent');
    },
    close: () => runtime.close(),
  } satisfies MailboxContender & { readonly fullRetries: number };
}

/**
 * The shn runtime system module for the mailbox bench: one `sink` actor per shard that counts
 * `set` messages (reading key and value), returns the body for an ask (the echo), and answers
 * `count` with how many sets it has received. Imported by every shard worker and the main
 * thread. Loaded dynamically so the bench builds before core-mailbox exports `defineSystem`.
 */
import { ShnError } from '@shn/core';
import type { ActorBehavior, Envelope } from '@shn/core';

const CORE_MAILBOX = '@shn/core-mailbox';
const mod = (await import(CORE_MAILBOX)) as { defineSystem?: (definition: unknown) => unknown };
if (typeof mod.defineSystem !== 'function') {
  throw new ShnError('UNSUPPORTED', `${CORE_MAILBOX} does not export defineSystem`);
}

function sink(): ActorBehavior {
  let count = 0;
  let checksum = 0;
  return {
    receive(env: Envelope) {
      if (env.type === 'set') {
        const body = env.body as { key: string; value: string };
        count++;
        checksum += body.key.length + body.value.length;
        return body;
      }
      if (env.type === 'count') return { count, checksum };
      throw new ShnError('INVALID_ARGUMENT', `sink: unknown message type ${env.type}`);
    },
  };
}

export default mod.defineSystem({ kinds: { sink: { mode: 'per-shard', factory: sink } } });

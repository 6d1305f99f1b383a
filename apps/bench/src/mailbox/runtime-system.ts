/**
 * The shn runtime system module for the mailbox bench: one `sink` actor per shard that counts
 * `set` messages (reading key and value), returns the body for an ask (the echo), and answers
 * `count` with how many sets it has received. Imported by every shard worker and the main
 * thread; starts nothing at import time.
 */
import { ShnError } from '@shn/core';
import type { ActorBehavior, Envelope } from '@shn/core';
import { defineSystem } from '@shn/core-mailbox';

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

export default defineSystem({ kinds: { sink: { mode: 'per-shard', factory: sink } } });

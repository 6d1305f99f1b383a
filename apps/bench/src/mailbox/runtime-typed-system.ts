/**
 * The system module of the typed runtime contender: one per-shard `tsink` actor that counts
 * declared `set` messages (reading key and value), echoes the body for an ask and answers
 * `count`. Imported by every shard worker and the main thread; starts nothing at import time.
 */
import { ShnError } from '@shn/core';
import type { ActorBehavior, Envelope } from '@shn/core';
import { defineSystem } from '@shn/core-mailbox';
import { tsink } from './typed-protocol.js';

function sink(): ActorBehavior {
  let count = 0;
  let checksum = 0;
  return {
    receive(env: Envelope) {
      if (tsink.set.is(env)) {
        count++;
        checksum += env.body.key.length + env.body.value.length;
        return env.body;
      }
      if (tsink.count.is(env)) return { count, checksum };
      throw new ShnError('INVALID_ARGUMENT', `tsink: unknown message type ${env.type}`);
    },
  };
}

export default defineSystem({ kinds: { tsink: { mode: 'per-shard', factory: sink } }, messages: [tsink] });

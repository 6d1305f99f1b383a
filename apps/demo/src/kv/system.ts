/**
 * The shn-kv system module: imported by every shard thread (and by the main thread for the
 * router). It only declares the `kv` actor kind; it starts nothing at import time.
 */
import { defineSystem } from '@shn/core-mailbox';
import { createKvActor } from './kv-actor.js';

/** Per-shard mailbox capacity of the `kv` actor, in envelopes. */
export const KV_MAILBOX_CAPACITY = 1 << 16;

export default defineSystem({
  kinds: {
    kv: { mode: 'per-shard', factory: () => createKvActor(), mailboxCapacity: KV_MAILBOX_CAPACITY },
  },
});

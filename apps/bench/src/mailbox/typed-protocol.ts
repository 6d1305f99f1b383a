/**
 * The declared messages of the typed runtime contender: the bench's `{ type: 'set', key, value }`
 * message as a declared type of the per-shard `tsink` kind, plus the count that closes a batch.
 */
import { defineMessages, message, t } from '@shn/core';

export const tsink = defineMessages('tsink', {
  set: message({ key: t.string, value: t.string }, t.record({ key: t.string, value: t.string })),
  count: message({}, t.record({ count: t.int, checksum: t.float })),
});

import type { Rng } from '@shn/core';
import { errorReply, type Reply } from '../resp/reply.js';
import { COLLECTION_SHARD_COMMANDS } from './collection-commands.js';
import { HASH_SHARD_COMMANDS } from './hash-commands.js';
import { KEY_SHARD_COMMANDS } from './key-commands.js';
import type { KvStore } from './kv-store.js';
import type { ShardCommandFn } from './shard-command.js';
import { keyString, type ShardRequest } from './shard-request.js';
import { STRING_SHARD_COMMANDS } from './string-commands.js';

/** Every command a shard runs on its own keys, by lower-case name. */
export const SHARD_COMMANDS: ReadonlyMap<string, ShardCommandFn> = new Map(
  Object.entries({ ...STRING_SHARD_COMMANDS, ...KEY_SHARD_COMMANDS, ...HASH_SHARD_COMMANDS, ...COLLECTION_SHARD_COMMANDS }),
);

const noRng: Rng = { next: () => 0, int: () => 0 };
/** Command names as sent (any case) to their functions, filled as names are seen. */
const byRawName = new Map<string, ShardCommandFn | undefined>();

/**
 * Runs one command on a shard's store: `args[0]` is the name (any case), arity already checked
 * by the gateway. Never throws: an unexpected failure becomes an error reply.
 */
export function runShardCommand(store: KvStore, args: readonly Buffer[], now: number, rng: Rng = noRng): Reply {
  const raw = args[0] === undefined ? '' : keyString(args[0]);
  let fn = byRawName.get(raw);
  if (fn === undefined) {
    fn = SHARD_COMMANDS.get(raw.toLowerCase());
    if (fn === undefined) return errorReply(`ERR shard has no command '${raw.toLowerCase().slice(0, 64)}'`);
    if (byRawName.size < 1024) byRawName.set(raw, fn);
  }
  const name = raw;
  store.commands++;
  try {
    return fn(args, { store, now, rng });
  } catch (err) {
    return errorReply(`ERR internal error in '${name}': ${String((err as Error)?.message ?? err).replace(/[\r\n]/g, ' ')}`);
  }
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

/**
 * Applies one {@link ShardRequest} to a shard's store and returns the RESP reply.
 * Pure apart from the store (and its clock); never throws.
 */
export function applyShardRequest(store: KvStore, req: ShardRequest, now: number, rng: Rng = noRng): Reply {
  const run = (args: Buffer[]): Reply => runShardCommand(store, args, now, rng);
  switch (req.op) {
    case 'cmd':
      return run(req.args as Buffer[]);
    case 'stage':
    case 'fetch':
      return errorReply('ERR stage and fetch need the kv actor (oversize messages)');
    case 'get':
      return run([b('get'), req.key]);
    case 'set': {
      const args = [b('set'), req.key, req.value];
      if (req.cond !== undefined) args.push(b(req.cond));
      if (req.get === true) args.push(b('get'));
      if (req.keepTtl === true) args.push(b('keepttl'));
      if (req.pxIn !== undefined) args.push(b('px'), b(String(req.pxIn)));
      if (req.pxAt !== undefined) args.push(b('pxat'), b(String(req.pxAt)));
      return run(args);
    }
    case 'del':
    case 'exists':
    case 'mget':
      return run([b(req.op), ...req.keys]);
    case 'incrby':
      return run([b('incrby'), req.key, b(String(req.by))]);
    case 'mset':
      return run([b('mset'), ...req.pairs]);
    case 'dbsize':
      return store.size();
    case 'flushall':
      return run([b('flushall')]);
    case 'stats':
      return [store.size(), store.volatileCount(), store.commands];
    case 'cincr':
    case 'cget':
      return errorReply('ERR CRDT commands need the runtime backend (a per-shard @shn/crdt replica)');
  }
}

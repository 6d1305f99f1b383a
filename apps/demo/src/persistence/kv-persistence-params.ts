import { join } from 'node:path';
import { ShnError } from '@shn/core';
import { FileStore, prepareKeyspace } from '@shn/checkpoint';
import type { FsyncPolicy } from '@shn/checkpoint';
import { kvShardOf } from '../kv/kv-router.js';
import { applyKvLogRecord } from './kv-log-record.js';

/** What `--dir`, `--appendonly`, `--appendfsync` and `--save-interval-ms` ask for (startServer's `persistence`). */
export interface KvPersistenceOptions {
  /** The data directory (created if missing): `ckpt/` holds checkpoints, `aof/` the append-only logs. */
  readonly dir: string;
  /** Log every write before its reply (Redis's `appendonly yes`); default false. */
  readonly appendonly?: boolean;
  /** When the log is fsynced (default `everysec`). */
  readonly appendfsync?: FsyncPolicy;
  /** Incremental checkpoint of each shard this often while something changed, ms (default 1000; 0 = only on SAVE/BGSAVE/shutdown). */
  readonly saveIntervalMs?: number;
  /** ... or after this many changes (default 10000; 0 = never). */
  readonly saveEveryChanges?: number;
}

/** Serialisable persistence settings, handed to every shard through the system params. */
export interface KvPersistenceParams {
  readonly dir: string;
  /** Node id written into every checkpoint header (a checkpoint of another node is refused). */
  readonly node: string;
  /** Checkpointer prefix of the layout's epoch (from prepareKeyspace). */
  readonly prefix: string;
  /** Per shard: checkpoint name and append-log segment name. */
  readonly actors: readonly string[];
  readonly aofNames: readonly string[];
  readonly appendonly: boolean;
  readonly appendfsync: FsyncPolicy;
  readonly saveIntervalMs: number;
  readonly saveEveryChanges: number;
  readonly keyGroups: number;
  /** True if this start re-sharded data written with another shard count. */
  readonly resharded: boolean;
}

/** The node id of a shn-kv data directory. */
export const KV_NODE_ID = 'shn-kv';
/** Key groups of the checkpointed state (fixed for the life of a data directory). */
export const KV_KEY_GROUPS = 16384;

/**
 * Main thread, before the shards start: validates the options, creates the data directory's
 * layout and, when the shard count changed since the last run, re-shards the checkpoints and
 * logs to the demo's own routing (jump hash of `kv/<key>`), like Flink's key groups.
 * @throws ShnError `INVALID_ARGUMENT` for bad options, `DATA_CORRUPT` / `UNSUPPORTED_VERSION` /
 *   `STORE_FAILED` from reading the data directory.
 */
export async function prepareKvPersistence(options: KvPersistenceOptions, shards: number): Promise<KvPersistenceParams> {
  if (typeof options.dir !== 'string' || options.dir.length === 0) throw new ShnError('INVALID_ARGUMENT', 'persistence needs a data directory (--dir DIR)');
  const appendfsync = options.appendfsync ?? 'everysec';
  if (!['always', 'everysec', 'no'].includes(appendfsync)) throw new ShnError('INVALID_ARGUMENT', `appendfsync must be always, everysec or no, got ${JSON.stringify(appendfsync)}`);
  const saveIntervalMs = options.saveIntervalMs ?? 1000;
  const saveEveryChanges = options.saveEveryChanges ?? 10_000;
  for (const [name, v] of [['saveIntervalMs', saveIntervalMs], ['saveEveryChanges', saveEveryChanges]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new ShnError('INVALID_ARGUMENT', `${name} must be an integer >= 0, got ${String(v)}`);
  }
  const layout = await prepareKeyspace({
    store: new FileStore(join(options.dir, 'ckpt')),
    node: KV_NODE_ID,
    shards,
    keyGroups: KV_KEY_GROUPS,
    owner: (key, n) => kvShardOf(`kv/${key}`, n),
    aof: { dir: join(options.dir, 'aof'), apply: applyKvLogRecord },
  });
  return {
    dir: options.dir,
    node: KV_NODE_ID,
    prefix: layout.prefix,
    actors: Array.from({ length: shards }, (_, i) => layout.actor(i)),
    aofNames: Array.from({ length: shards }, (_, i) => layout.aofName(i)),
    appendonly: options.appendonly ?? false,
    appendfsync,
    saveIntervalMs,
    saveEveryChanges,
    keyGroups: KV_KEY_GROUPS,
    resharded: layout.resharded,
  };
}

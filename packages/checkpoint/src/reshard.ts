import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ShnError } from '@shn/core';
import type { Store } from '@shn/core';
import { replayAppendLog } from './append-log.js';
import { Checkpointer } from './checkpointer.js';
import type { CheckpointerOptions } from './checkpointer.js';
import { corruptError } from './corrupt-error.js';
import { DEFAULT_KEY_GROUPS, shardOfKey } from './key-groups.js';
import { KeyedState } from './keyed-state.js';

/** Where one epoch of a sharded keyspace lives. */
export interface KeyspaceLayout {
  /** Bumped by every re-shard. */
  readonly epoch: number;
  readonly shards: number;
  readonly keyGroups: number;
  /** Checkpointer prefix of this epoch. */
  readonly prefix: string;
  /** Checkpoint name of shard `i`. */
  actor(shard: number): string;
  /** Append-log segment name of shard `i` in this epoch. */
  aofName(shard: number): string;
}

/** Options of {@link prepareKeyspace}. */
export interface PrepareKeyspaceOptions {
  readonly store: Store;
  readonly node: string;
  /** Keyspace name (`[A-Za-z0-9_-]{1,32}`), default `kv`. */
  readonly name?: string;
  /** Shard count of this start. */
  readonly shards: number;
  /** Key groups (default 16384); must not change over the life of the data. */
  readonly keyGroups?: number;
  /** The owner of a key among `shards` shards; default {@link shardOfKey} (key groups). Must match the app's routing. */
  readonly owner?: (key: string, shards: number) => number;
  /** Passed to every Checkpointer made here (sealer, compression, keep, ...). */
  readonly checkpointer?: Omit<CheckpointerOptions, 'store' | 'node' | 'prefix'>;
  /** Also fold the append-only logs of the old epoch (`dir`, and how to apply one record to a state). */
  readonly aof?: { readonly dir: string; apply(state: KeyedState, record: Uint8Array): void };
}

/** What {@link prepareKeyspace} did. */
export interface PreparedKeyspace extends KeyspaceLayout {
  /** True if the data was re-sharded from another shard count. */
  readonly resharded: boolean;
  /** The previous shard count (same as `shards` when not re-sharded). */
  readonly previousShards: number;
  /** Keys moved into the new layout (0 when not re-sharded). */
  readonly keys: number;
}

interface Manifest {
  readonly version: 1;
  readonly epoch: number;
  readonly shards: number;
  readonly keyGroups: number;
}

function layout(name: string, epoch: number, shards: number, keyGroups: number): KeyspaceLayout {
  return {
    epoch,
    shards,
    keyGroups,
    prefix: `${name}/e${epoch}/`,
    actor: (i) => `${name}/${i}`,
    aofName: (i) => `${name}-e${epoch}-${i}`,
  };
}

/**
 * Run on the main thread before the shards start: reads the keyspace manifest, and when the shard
 * count changed, re-shards the data (like Flink's key groups on rescale): every old shard's newest
 * checkpoint (plus its log) is loaded, each key goes to its new owner, each new shard gets a full
 * checkpoint under a new epoch, the manifest flips atomically, then the old epoch is deleted. A crash
 * at any point leaves the old epoch intact until the flip, so running it again redoes the work.
 * @throws ShnError `INVALID_ARGUMENT` for bad options or a key-group count different from the
 *   manifest's, `DATA_CORRUPT` for an unreadable manifest, and whatever restoring throws.
 */
export async function prepareKeyspace(options: PrepareKeyspaceOptions): Promise<PreparedKeyspace> {
  const name = options.name ?? 'kv';
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(name)) throw new ShnError('INVALID_ARGUMENT', `keyspace name must match [A-Za-z0-9_-]{1,32}, got ${JSON.stringify(name)}`);
  const keyGroups = options.keyGroups ?? DEFAULT_KEY_GROUPS;
  const shards = options.shards;
  if (!Number.isInteger(shards) || shards < 1 || shards > keyGroups) throw new ShnError('INVALID_ARGUMENT', `shards must be an integer in [1, ${keyGroups}], got ${String(shards)}`);
  const owner = options.owner ?? ((k: string, n: number) => shardOfKey(k, n, keyGroups));
  const manifestKey = `${name}/manifest`;
  const raw = await options.store.get(manifestKey);
  const cp = (l: KeyspaceLayout): Checkpointer => new Checkpointer({ ...options.checkpointer, store: options.store, node: options.node, prefix: l.prefix });
  if (raw === undefined) {
    const m: Manifest = { version: 1, epoch: 0, shards, keyGroups };
    await options.store.put(manifestKey, new TextEncoder().encode(JSON.stringify(m)));
    return { ...layout(name, 0, shards, keyGroups), resharded: false, previousShards: shards, keys: 0 };
  }
  let m: Manifest;
  try {
    m = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw)) as Manifest;
    if (m.version !== 1 || !Number.isInteger(m.epoch) || !Number.isInteger(m.shards) || !Number.isInteger(m.keyGroups)) throw new Error('bad fields');
  } catch (e) {
    throw corruptError('malformed', `keyspace manifest ${manifestKey}`, `unreadable: ${(e as Error).message}`);
  }
  if (m.keyGroups !== keyGroups) {
    throw new ShnError('INVALID_ARGUMENT', `the data was written with ${m.keyGroups} key groups, this start asks for ${keyGroups}; key groups cannot change`);
  }
  const old = layout(name, m.epoch, m.shards, keyGroups);
  if (m.shards === shards) return { ...old, resharded: false, previousShards: shards, keys: 0 };

  const next = layout(name, m.epoch + 1, shards, keyGroups);
  const oldCp = cp(old);
  const newCp = cp(next);
  // Leftovers of a re-shard that crashed before its flip.
  for (const k of await options.store.list(next.prefix)) await options.store.delete(k);
  const targets = Array.from({ length: shards }, () => new KeyedState({ keyGroups }));
  let maxSeq = 0;
  let keys = 0;
  for (let i = 0; i < m.shards; i++) {
    const s = new KeyedState({ keyGroups });
    const image = await oldCp.load(old.actor(i));
    if (image !== undefined) s.restore(image);
    if (options.aof !== undefined) {
      const aof = options.aof;
      await replayAppendLog(aof.dir, old.aofName(i), s.seq, (rec) => aof.apply(s, rec));
    }
    maxSeq = Math.max(maxSeq, s.seq);
    for (const [k, v] of s.entries()) {
      const j = owner(k, shards);
      const t = targets[j];
      if (t === undefined) throw new ShnError('INVALID_ARGUMENT', `owner(${JSON.stringify(k)}, ${shards}) returned ${j}`);
      t.set(k, v);
      keys++;
    }
  }
  for (const [j, t] of targets.entries()) {
    t.advanceTo(maxSeq);
    await newCp.save(next.actor(j), t.snapshotFull());
  }
  await options.store.put(manifestKey, new TextEncoder().encode(JSON.stringify({ version: 1, epoch: next.epoch, shards, keyGroups } satisfies Manifest)));
  for (const k of await options.store.list(old.prefix)) await options.store.delete(k);
  if (options.aof !== undefined) {
    const dir = options.aof.dir;
    const names = await readdir(dir).catch(() => [] as string[]);
    for (let i = 0; i < m.shards; i++) {
      const base = `${old.aofName(i)}.`;
      for (const n of names) if (n.startsWith(base) && n.endsWith('.aof')) await unlink(join(dir, n)).catch(() => undefined);
    }
  }
  return { ...next, resharded: true, previousShards: m.shards, keys };
}

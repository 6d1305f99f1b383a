import { join } from 'node:path';
import type { ActorContext } from '@shn/core';
import { Checkpointer, FileStore, KeyedState, KeyspacePersistence } from '@shn/checkpoint';
import type { KeyspaceRestoreReport } from '@shn/checkpoint';
import { DATA_COMMANDS } from '../kv/data-commands.js';
import type { KvStore } from '../kv/kv-store.js';
import type { ShardRequest } from '../kv/shard-request.js';
import { errorReply, type Reply } from '../resp/reply.js';
import { decodeKvEntry, encodeKvEntry } from './kv-entry-codec.js';
import { applyKvLogRecord, KV_RECORD, kvLogRecord } from './kv-log-record.js';
import type { KvPersistenceParams } from './kv-persistence-params.js';

/** Shard commands that may change keys: every data command flagged `write`, plus the shard-internal ones that write. */
export const WRITE_COMMANDS: ReadonlySet<string> = new Set([
  ...DATA_COMMANDS.filter((s) => s.flags.includes('write')).map((s) => s.name),
  'flushall',
  '__restore',
]);

/** Request ops (other than `cmd`) that write. */
const WRITE_OPS: ReadonlySet<string> = new Set(['set', 'del', 'incrby', 'mset', 'flushall']);

/** The internal command name of SAVE / BGSAVE / LASTSAVE / INFO persistence on a shard. */
export const PERSIST_COMMAND = '__persist';

/** True if `req` may change keys (its effects are then logged before the reply). */
export function isWriteRequest(req: ShardRequest): boolean {
  if (req.op === 'cmd') {
    const name = req.args[0];
    return name !== undefined && WRITE_COMMANDS.has(name.toString('latin1').toLowerCase());
  }
  return WRITE_OPS.has(req.op);
}

/** Per thread, survives actor restarts in the thread: a crashed incarnation's persistence is abandoned first. */
const live = new Map<number, KeyspacePersistence>();

/** One shard's persistence, bound to its {@link KvStore}. */
export interface ShardPersistence {
  readonly persistence: KeyspacePersistence;
  readonly report: KeyspaceRestoreReport;
  /**
   * After a request (or an expiry cycle) ran on the store: mirrors the keys it touched into the
   * checkpointed state and, in append-only mode, logs their effects. Returns a promise to await
   * before replying to a write when records were logged; `undefined` when there is nothing to wait for.
   */
  afterApply(write: boolean): Promise<void> | undefined;
  /** Graceful stop: a last checkpoint, the log synced and closed. */
  close(): Promise<void>;
}

/**
 * In the kv actor's start: restores the shard from its newest valid checkpoint and the log after
 * it, fills `store`, then installs the store's change hooks (so the restore is not logged again).
 * @throws ShnError `DATA_CORRUPT` / `UNSUPPORTED_VERSION` when the data directory holds
 *   checkpoints of this shard but none is usable, or a log is damaged before its tail.
 */
export async function openShardPersistence(params: KvPersistenceParams, shard: number, ctx: ActorContext, store: KvStore): Promise<ShardPersistence> {
  await live.get(shard)?.abandon();
  const state = new KeyedState({ keyGroups: params.keyGroups });
  const checkpointer = new Checkpointer({ store: new FileStore(join(params.dir, 'ckpt')), node: params.node, prefix: params.prefix, clock: ctx.clock, logger: ctx.log });
  const aofName = params.aofNames[shard] ?? `kv-x-${shard}`;
  const persistence = new KeyspacePersistence({
    state,
    checkpointer,
    actor: params.actors[shard] ?? `kv/${shard}`,
    everyMs: params.saveIntervalMs,
    everyChanges: params.saveEveryChanges,
    ...(params.appendonly ? { aof: { dir: join(params.dir, 'aof'), name: aofName, fsync: params.appendfsync } } : {}),
    applyLogRecord: (r) => applyKvLogRecord(state, r),
    timer: ctx.timer,
    clock: ctx.clock,
  });
  live.set(shard, persistence);
  const report = await persistence.restore();
  if (report.checkpoint.skipped.length > 0 || report.tornBytes > 0) {
    ctx.log.warn('kv restore skipped unusable data', { shard, skipped: report.checkpoint.skipped.length, fellBack: report.checkpoint.fellBack, tornBytes: report.tornBytes });
  }
  for (const [k, v] of state.entries()) {
    const e = decodeKvEntry(v);
    store.put(k, e.value, e.expiresAt);
  }
  const touched = new Set<string>();
  let cleared = false;
  store.onTouch = (k) => touched.add(k);
  store.onClear = () => {
    cleared = true;
    touched.clear();
  };
  const records: Uint8Array[] = [];
  return {
    persistence,
    report,
    afterApply(write) {
      if (!cleared && touched.size === 0) return undefined;
      if (cleared) {
        cleared = false;
        state.clear();
        records.push(kvLogRecord(KV_RECORD.clear));
      }
      for (const k of touched) {
        const e = store.peek(k);
        if (e === undefined) {
          if (state.delete(k)) records.push(kvLogRecord(KV_RECORD.delete, k));
        } else {
          const bytes = encodeKvEntry(e.value, e.expiresAt);
          const old = state.get(k);
          if (old !== undefined && Buffer.compare(old, bytes) === 0) continue; // a lookup that changed nothing
          state.set(k, bytes);
          records.push(kvLogRecord(KV_RECORD.put, k, bytes));
        }
      }
      touched.clear();
      if (records.length === 0) return undefined;
      const recs = records.splice(0);
      if (!params.appendonly) {
        persistence.noteChanges(recs.length);
        return undefined;
      }
      // Enqueued now, in apply order (same tick as the change): the log's order is the store's.
      const logged = Promise.all(recs.map((r) => persistence.logWrite(r)));
      if (!write) {
        logged.catch((e: unknown) => ctx.log.error('kv append-only log write failed', { shard, error: String((e as Error)?.message ?? e) }));
        return undefined;
      }
      return logged.then(() => undefined);
    },
    async close() {
      store.onTouch = undefined;
      store.onClear = undefined;
      await persistence.close();
      if (live.get(shard) === persistence) live.delete(shard);
    },
  };
}

/**
 * Runs `__persist <save|bgsave|lastsave|info|idle>` on a shard (`p` undefined: persistence is off).
 * Replies: SAVE `OK`; BGSAVE the Redis status text; LASTSAVE epoch seconds; INFO the fields as JSON text.
 */
export function persistCommand(p: ShardPersistence | undefined, args: readonly Buffer[]): Reply | Promise<Reply> {
  const sub = args[1]?.toString('latin1').toLowerCase();
  if (sub === 'info') return Buffer.from(JSON.stringify(p === undefined ? { persistence_enabled: 0 } : { persistence_enabled: 1, ...p.persistence.info() }));
  if (sub === 'lastsave') return p?.persistence.lastSave ?? 0;
  if (p === undefined) return errorReply('ERR persistence is off; start shn-kv with --dir DIR');
  if (sub === 'save') {
    return p.persistence.save().then(
      () => 'OK',
      (e: unknown) => errorReply(`ERR SAVE failed: ${String((e as Error)?.message ?? e).replace(/[\r\n]/g, ' ')}`),
    );
  }
  if (sub === 'idle') return p.persistence.whenIdle().then(() => 'OK'); // tests: no checkpoint write is running
  if (sub === 'bgsave') return p.persistence.bgsave() ? 'Background saving started' : errorReply('ERR Background save already in progress');
  return errorReply(`ERR unknown persistence subcommand '${String(sub).slice(0, 32)}'`);
}

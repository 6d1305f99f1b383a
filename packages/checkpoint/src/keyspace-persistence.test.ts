import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Timer } from '@shn/core';
import { Checkpointer } from './checkpointer.js';
import { FileStore } from './file-store.js';
import { KeyedState } from './keyed-state.js';
import { KeyspacePersistence } from './keyspace-persistence.js';
import { shardOfKey } from './key-groups.js';
import { prepareKeyspace } from './reshard.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

/** A log record of the test "app": `key=value` or `-key`. */
function applyTo(state: KeyedState, rec: Uint8Array): void {
  const s = dec(rec) as string;
  if (s.startsWith('-')) state.delete(s.slice(1));
  else {
    const i = s.indexOf('=');
    state.set(s.slice(0, i), enc(s.slice(i + 1)));
  }
}

describe('KeyspacePersistence', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shn-ksp-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function open(state: KeyedState, aof = true): KeyspacePersistence {
    const checkpointer = new Checkpointer({ store: new FileStore(join(dir, 'ckpt')), node: 'n1' });
    return new KeyspacePersistence({
      state,
      checkpointer,
      actor: 'kv/0',
      everyMs: 0,
      everyChanges: 0,
      ...(aof ? { aof: { dir: join(dir, 'aof'), name: 'kv-0', fsync: 'always' as const }, applyLogRecord: (r: Uint8Array) => applyTo(state, r) } : {}),
    });
  }

  async function write(p: KeyspacePersistence, s: KeyedState, rec: string): Promise<void> {
    applyTo(s, enc(rec));
    await p.logWrite(enc(rec));
  }

  it('SAVE then restart restores every key (RDB only)', async () => {
    const s = new KeyedState();
    const p = open(s, false);
    await p.restore();
    for (let i = 0; i < 50; i++) await write(p, s, `k${i}=v${i}`);
    expect(p.info()['rdb_changes_since_last_save']).toBe(50);
    await p.save();
    expect(p.lastSave).toBeGreaterThan(0);
    expect(p.info()['rdb_changes_since_last_save']).toBe(0);
    const s2 = new KeyedState();
    await open(s2, false).restore();
    expect(dec(s2.get('k49'))).toBe('v49');
    expect(s2.size).toBe(50);
  });

  it('with the log, a "kill" after acknowledged writes loses none of them (fsync always)', async () => {
    const s = new KeyedState();
    const p = open(s);
    await p.restore();
    await write(p, s, 'a=1');
    await p.save(); // checkpoint, log rotated
    await write(p, s, 'b=2');
    await write(p, s, '-a');
    expect(p.bgsave()).toBe(true);
    await write(p, s, 'c=3'); // during the BGSAVE
    // no close(): the process "dies" here, the log has every acknowledged write
    const s2 = new KeyedState();
    const p2 = open(s2);
    const report = await p2.restore();
    expect(report.replayed).toBeGreaterThan(0);
    expect(Object.fromEntries([...s2.entries()].map(([k, v]) => [k, dec(v)]))).toEqual({ b: '2', c: '3' });
    await write(p2, s2, 'd=4');
    await p2.close();
    const s3 = new KeyedState();
    const p3 = open(s3);
    await p3.restore();
    await p3.close();
    expect(Object.fromEntries([...s3.entries()].map(([k, v]) => [k, dec(v)]))).toEqual({ b: '2', c: '3', d: '4' });
    await p.abandon(); // release the "dead" owner's file handle, no last checkpoint
  });

  it('change-triggered checkpoints and the log never replay a write twice (non-idempotent records)', async () => {
    const counterApply = (state: KeyedState, rec: Uint8Array): void => {
      const k = dec(rec) as string;
      const n = Number(dec(state.get(k)) ?? '0');
      state.set(k, enc(String(n + 1)));
    };
    const mk = (state: KeyedState): KeyspacePersistence =>
      new KeyspacePersistence({
        state,
        checkpointer: new Checkpointer({ store: new FileStore(join(dir, 'ckpt2')), node: 'n1', compactEvery: 2 }),
        actor: 'kv/0',
        everyMs: 0,
        everyChanges: 3,
        aof: { dir: join(dir, 'aof2'), name: 'kv-0', fsync: 'always' },
        applyLogRecord: (r) => counterApply(state, r),
      });
    const s = new KeyedState();
    const p = mk(s);
    await p.restore();
    for (let i = 0; i < 40; i++) {
      const rec = enc(`c${i % 3}`);
      counterApply(s, rec); // the change and its log record in the same tick
      await p.logWrite(rec);
    }
    expect(p.info()['rdb_saves']).toBeGreaterThan(3);
    await p.abandon(); // "crash": no last checkpoint
    const s2 = new KeyedState();
    const p2 = mk(s2);
    await p2.restore();
    expect(Object.fromEntries([...s2.entries()].map(([k, v]) => [k, dec(v)]))).toEqual({ c0: '14', c1: '13', c2: '13' });
    await p2.close();
  });

  it('the interval trigger checkpoints only when something changed', async () => {
    const pending: (() => void)[] = [];
    const timer: Timer = {
      setTimeout(fn) {
        pending.push(fn);
        return {};
      },
      clearTimeout() {},
    };
    const s = new KeyedState();
    const checkpointer = new Checkpointer({ store: new FileStore(join(dir, 'ckpt3')), node: 'n1' });
    const p = new KeyspacePersistence({ state: s, checkpointer, actor: 'kv/0', everyMs: 1000, everyChanges: 0, timer });
    await p.restore();
    const fire = async (): Promise<void> => {
      const fns = pending.splice(0);
      for (const f of fns) f();
      await p.whenIdle();
    };
    await fire();
    expect(p.info()['rdb_saves']).toBe(0); // nothing changed: no checkpoint
    s.set('a', enc('1'));
    p.noteChanges(1);
    await fire();
    expect(p.info()['rdb_saves']).toBe(1);
    expect(p.info()['rdb_changes_since_last_save']).toBe(0);
    await fire();
    expect(p.info()['rdb_saves']).toBe(1);
    await p.close();
  });

  it('close takes a last checkpoint; INFO persistence has the Redis fields', async () => {
    const s = new KeyedState();
    const p = open(s, false);
    await p.restore();
    await write(p, s, 'x=1');
    const info = p.info();
    expect(info).toMatchObject({ rdb_bgsave_in_progress: 0, rdb_last_bgsave_status: 'ok', aof_enabled: 0 });
    await p.close();
    const s2 = new KeyedState();
    await open(s2, false).restore();
    expect(dec(s2.get('x'))).toBe('1');
  });
});

describe('prepareKeyspace (re-sharding by key groups)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'shn-reshard-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('moves every key to its new owner when the shard count changes, 4 -> 3 -> 5', async () => {
    const store = new FileStore(dir);
    const all = new Map<string, string>();
    let layout = await prepareKeyspace({ store, node: 'n1', shards: 4, keyGroups: 128 });
    expect(layout).toMatchObject({ epoch: 0, resharded: false });
    const cp = new Checkpointer({ store, node: 'n1', prefix: layout.prefix });
    for (let i = 0; i < 4; i++) {
      const s = new KeyedState({ keyGroups: 128 });
      for (let k = 0; k < 300; k++) {
        const key = `key:${k}`;
        if (shardOfKey(key, 4, 128) === i) {
          s.set(key, enc(`v${k}`));
          all.set(key, `v${k}`);
        }
      }
      await cp.save(layout.actor(i), s.snapshot());
    }
    for (const shards of [3, 5, 5]) {
      layout = await prepareKeyspace({ store, node: 'n1', shards, keyGroups: 128 });
      expect(layout.resharded).toBe(shards !== 5 || layout.previousShards !== 5);
      const got = new Map<string, string>();
      const reader = new Checkpointer({ store, node: 'n1', prefix: layout.prefix });
      for (let i = 0; i < shards; i++) {
        const s = new KeyedState({ keyGroups: 128 });
        const img = await reader.load(layout.actor(i));
        if (img !== undefined) s.restore(img);
        for (const [k, v] of s.entries()) {
          expect(shardOfKey(k, shards, 128)).toBe(i);
          got.set(k, dec(v) as string);
        }
      }
      expect(got).toEqual(all);
    }
    expect((await store.list('kv/e0/')).length).toBe(0);
  });
});

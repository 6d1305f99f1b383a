import { ShnError, crc32c } from '@shn/core';
import type { Store } from '@shn/core';
import { MirroredRaftStorage } from './mirrored-storage.js';
import type { RaftStorage } from './storage.js';
import type { ConfState, Entry, HardState, Snapshot } from './types.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const PREFIX = 'raft/';
const ENTRY = `${PREFIX}e/`;

function seal(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 4);
  out.set(bytes, 4);
  new DataView(out.buffer).setUint32(0, crc32c(bytes), true);
  return out;
}

/** The payload of a sealed value, or undefined if it is torn or corrupt. */
function unseal(v: Uint8Array | undefined): Uint8Array | undefined {
  if (v === undefined || v.length < 4) return undefined;
  const body = v.subarray(4);
  return new DataView(v.buffer, v.byteOffset, v.byteLength).getUint32(0, true) === crc32c(body) ? body : undefined;
}

function entryKey(i: number): string {
  return `${ENTRY}${String(i).padStart(16, '0')}`;
}

interface Slot<T> {
  readonly seq: number;
  readonly value: T;
}

function encodeEntry(e: Entry, epoch: number): Uint8Array {
  const head = enc.encode(JSON.stringify({ term: e.term, index: e.index, type: e.type, epoch }));
  const out = new Uint8Array(2 + head.length + e.data.length);
  new DataView(out.buffer).setUint16(0, head.length, true);
  out.set(head, 2);
  out.set(e.data, 2 + head.length);
  return out;
}

function decodeEntry(b: Uint8Array): { entry: Entry; epoch: number } {
  const hl = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint16(0, true);
  const h = JSON.parse(dec.decode(b.subarray(2, 2 + hl))) as { term: number; index: number; type: Entry['type']; epoch: number };
  return { entry: { term: h.term, index: h.index, type: h.type, data: b.slice(2 + hl) }, epoch: h.epoch };
}

interface StoredSnapshot {
  readonly snap: Snapshot;
  /** Bumped by every snapshot installed from a leader: entries written before it are stale. */
  readonly epoch: number;
}

/**
 * A {@link RaftStorage} on any core `Store` (a `SimStore` under simulation, a file or SQLite store
 * in production), for hosts whose disk is asynchronous. Every value carries a CRC-32C. The hard
 * state and the snapshot alternate between two slots with a sequence number, so a torn write of
 * the newest falls back to the previous durable one. Entries are one key each; an append that
 * replaces a conflicting suffix deletes the whole old suffix before writing, so any prefix of the
 * writes that survives a crash is a valid log. If the store has `sync()` (the fsync), `save` calls
 * it before resolving: what `save` resolved is durable.
 */
export class StoreRaftStorage extends MirroredRaftStorage implements RaftStorage {
  readonly #store: Store & { sync?: () => Promise<void> };
  #hsSeq = 0;
  #snapSeq = 0;
  #epoch = 0;

  private constructor(store: Store) {
    super();
    this.#store = store as Store & { sync?: () => Promise<void> };
  }

  /**
   * Loads the state kept in `store` (empty if none).
   * @throws ShnError `DATA_CORRUPT` if an entry below the last valid one is unreadable (a gap that
   *   is not a torn tail), or the rejections of the store.
   */
  static async open(store: Store): Promise<StoreRaftStorage> {
    const s = new StoreRaftStorage(store);
    const snap = await s.#loadSlot<StoredSnapshot>('snap', (b) => {
      const v = JSON.parse(dec.decode(b)) as { meta: Snapshot['meta']; data: string; epoch: number };
      return { snap: { meta: v.meta, data: new Uint8Array(Buffer.from(v.data, 'base64')) }, epoch: v.epoch };
    });
    if (snap !== undefined) {
      s.#snapSeq = snap.seq;
      s.#epoch = snap.value.epoch;
      s.mem.applySnapshot(snap.value.snap);
    }
    const hs = await s.#loadSlot<HardState>('hs', (b) => JSON.parse(dec.decode(b)) as HardState);
    if (hs !== undefined) {
      s.#hsSeq = hs.seq;
      s.mem.setHardState(hs.value);
    }
    const keys = await store.list(ENTRY);
    const first = s.mem.firstIndex();
    const ents: Entry[] = [];
    for (const k of keys) {
      const i = Number(k.slice(ENTRY.length));
      if (i < first) continue;
      const body = unseal(await store.get(k));
      if (body === undefined || i !== first + ents.length) break; // a torn or missing tail: never acknowledged
      const { entry: e, epoch } = decodeEntry(body);
      if (epoch !== s.#epoch) break; // written before the snapshot that replaced the log, or after one that was lost
      if (ents.length > 0 && e.term < (ents[ents.length - 1] as Entry).term) break;
      ents.push(e);
    }
    s.mem.append(ents);
    const commit = s.mem.hardState.commit;
    if (commit > s.mem.lastIndex()) {
      throw new ShnError('DATA_CORRUPT', `raft store: commit ${commit} is past the last readable entry ${s.mem.lastIndex()}`);
    }
    return s;
  }

  async #loadSlot<T>(name: string, parse: (b: Uint8Array) => T): Promise<Slot<T> | undefined> {
    let best: Slot<T> | undefined;
    for (const slot of [0, 1]) {
      const body = unseal(await this.#store.get(`${PREFIX}${name}/${slot}`));
      if (body === undefined) continue;
      const seq = new DataView(body.buffer, body.byteOffset, body.byteLength).getFloat64(0, true);
      const value = parse(body.subarray(8));
      if (best === undefined || seq > best.seq) best = { seq, value };
    }
    return best;
  }

  async #putSlot(name: string, seq: number, payload: Uint8Array): Promise<void> {
    const body = new Uint8Array(8 + payload.length);
    new DataView(body.buffer).setFloat64(0, seq, true);
    body.set(payload, 8);
    await this.#store.put(`${PREFIX}${name}/${seq % 2}`, seal(body));
  }

  /** Persists a Ready's durable part; resolves once it is durable (after `sync()` when the store has one). */
  async save(hardState: HardState | undefined, entries: readonly Entry[], snapshot: Snapshot | undefined): Promise<void> {
    if (snapshot !== undefined) {
      this.#epoch++;
      await this.#putSlot('snap', ++this.#snapSeq, this.#encodeSnap(snapshot));
      const old = await this.#store.list(ENTRY);
      for (const k of old) await this.#store.delete(k); // garbage only: stale keys are ignored by epoch
      this.mem.applySnapshot(snapshot);
    }
    if (entries.length > 0) {
      const from = (entries[0] as Entry).index;
      for (let i = from; i <= this.mem.lastIndex(); i++) await this.#store.delete(entryKey(i));
      for (const e of entries) await this.#store.put(entryKey(e.index), seal(encodeEntry(e, this.#epoch)));
      this.mem.append(entries);
    }
    if (hardState !== undefined) {
      await this.#putSlot('hs', ++this.#hsSeq, enc.encode(JSON.stringify(hardState)));
      this.mem.setHardState(hardState);
    }
    if (typeof this.#store.sync === 'function') await this.#store.sync();
  }

  /** Records a snapshot of the applied state at `index` and drops the entries it covers. */
  async snapshotAndCompact(index: number, conf: ConfState, data: Uint8Array): Promise<void> {
    const first = this.mem.firstIndex();
    const snap = this.mem.createSnapshot(index, conf, data);
    await this.#putSlot('snap', ++this.#snapSeq, this.#encodeSnap(snap));
    if (typeof this.#store.sync === 'function') await this.#store.sync();
    this.mem.compact(index);
    for (let i = first; i <= index; i++) await this.#store.delete(entryKey(i));
  }

  #encodeSnap(snap: Snapshot): Uint8Array {
    return enc.encode(JSON.stringify({ meta: snap.meta, data: Buffer.from(snap.data).toString('base64'), epoch: this.#epoch }));
  }

  /** Bootstraps a brand-new member (see `MemoryRaftStorage.bootstrap`), durably. */
  async bootstrap(conf: ConfState): Promise<void> {
    this.mem.bootstrap(conf);
    await this.save(this.mem.hardState, [], this.mem.snapshot());
  }
}

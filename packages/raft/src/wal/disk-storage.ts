import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ShnError, crc32c } from '@shn/core';
import { MirroredRaftStorage } from '../mirrored-storage.js';
import type { RaftStorage } from '../storage.js';
import type { ConfState, Entry, HardState, Snapshot } from '../types.js';
import { decodeRecords, encodeRecords } from './record-codec.js';
import type { WalRecord } from './record-codec.js';

/** When the WAL is flushed to stable storage. */
export type FsyncPolicy = 'always' | 'never';

/** Options of {@link DiskRaftStorage.open}. */
export interface DiskStorageOptions {
  /** The node's data directory (created if missing). */
  readonly dir: string;
  /** The node id; written into every file's header so that files of another node are refused. */
  readonly nodeId: string;
  /** `always` (default): fsync every write before it is acknowledged; `never`: leave it to the OS (loses the tail on power loss). */
  readonly fsync?: FsyncPolicy;
}

const MAGIC = 'SHNRAFT1';
const VERSION = 1;
const enc = new TextEncoder();
const dec = new TextDecoder();

function header(kind: 'wal' | 'snap', nodeId: string): Uint8Array {
  const json = enc.encode(JSON.stringify({ magic: MAGIC, version: VERSION, kind, node: nodeId }));
  const out = new Uint8Array(4 + json.length + 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length, true);
  out.set(json, 4);
  view.setUint32(4 + json.length, crc32c(json), true);
  return out;
}

function readHeader(bytes: Uint8Array, file: string, kind: 'wal' | 'snap', nodeId: string): number {
  if (bytes.length < 8) throw new ShnError('DATA_CORRUPT', `${file}: too short for a header (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = view.getUint32(0, true);
  if (len > 4096 || 8 + len > bytes.length) throw new ShnError('DATA_CORRUPT', `${file}: bad header length ${len}`);
  const json = bytes.subarray(4, 4 + len);
  if (crc32c(json) !== view.getUint32(4 + len, true)) throw new ShnError('DATA_CORRUPT', `${file}: header checksum mismatch`);
  let h: { magic?: unknown; version?: unknown; kind?: unknown; node?: unknown };
  try {
    h = JSON.parse(dec.decode(json)) as typeof h;
  } catch {
    throw new ShnError('DATA_CORRUPT', `${file}: header is not JSON`);
  }
  if (h.magic !== MAGIC || h.kind !== kind) throw new ShnError('DATA_CORRUPT', `${file}: not a shn raft ${kind} file`);
  if (typeof h.version !== 'number' || h.version > VERSION) {
    throw new ShnError('UNSUPPORTED_VERSION', `${file}: format version ${String(h.version)} is newer than ${VERSION}`, { details: { version: h.version } });
  }
  if (h.node !== nodeId) {
    throw new ShnError('DATA_CORRUPT', `${file}: belongs to node ${JSON.stringify(h.node)}, not ${JSON.stringify(nodeId)}`, { details: { node: h.node } });
  }
  return 8 + len;
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function encodeSnapshot(s: Snapshot): Uint8Array {
  const meta = enc.encode(JSON.stringify(s.meta));
  const out = new Uint8Array(4 + meta.length + 4 + s.data.length + 4);
  const view = new DataView(out.buffer);
  view.setUint32(0, meta.length, true);
  out.set(meta, 4);
  view.setUint32(4 + meta.length, s.data.length, true);
  out.set(s.data, 8 + meta.length);
  view.setUint32(out.length - 4, crc32c(out, 0, 0, out.length - 4), true);
  return out;
}

function decodeSnapshot(bytes: Uint8Array, file: string): Snapshot {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12) throw new ShnError('DATA_CORRUPT', `${file}: snapshot truncated`);
  if (crc32c(bytes, 0, 0, bytes.length - 4) !== view.getUint32(bytes.length - 4, true)) throw new ShnError('DATA_CORRUPT', `${file}: snapshot checksum mismatch`);
  const mlen = view.getUint32(0, true);
  const meta = JSON.parse(dec.decode(bytes.subarray(4, 4 + mlen))) as Snapshot['meta'];
  const dlen = view.getUint32(4 + mlen, true);
  return { meta, data: bytes.slice(8 + mlen, 8 + mlen + dlen) };
}

/**
 * A {@link RaftStorage} on disk: a write-ahead log of framed records (length + CRC-32C) in
 * numbered segments, and the latest snapshot in its own file written crash-safely (temp file,
 * fsync, rename, fsync of the directory). Reads are served from an in-memory copy.
 *
 * Recovery truncates a torn tail (an incomplete last record: a write cut short by a crash) and
 * refuses a corrupt record anywhere else (`DATA_CORRUPT`), a file of a newer format
 * (`UNSUPPORTED_VERSION`) and a file of another node (`DATA_CORRUPT`).
 */
export class DiskRaftStorage extends MirroredRaftStorage implements RaftStorage {
  readonly #dir: string;
  readonly #nodeId: string;
  readonly #fsync: FsyncPolicy;
  #fd = -1;
  #segment = 0;
  /** What recovery found, for logs and tests. */
  readonly recovery: { segments: number; records: number; truncatedBytes: number };

  private constructor(options: DiskStorageOptions) {
    super();
    this.#dir = options.dir;
    this.#nodeId = options.nodeId;
    this.#fsync = options.fsync ?? 'always';
    this.recovery = { segments: 0, records: 0, truncatedBytes: 0 };
  }

  /**
   * Opens (or creates) a node's storage, replaying its snapshot and WAL.
   * @throws ShnError `DATA_CORRUPT`, `UNSUPPORTED_VERSION`, `INVALID_ARGUMENT`, `STORE_FAILED`.
   */
  static open(options: DiskStorageOptions): DiskRaftStorage {
    if (typeof options?.dir !== 'string' || options.dir.length === 0) throw new ShnError('INVALID_ARGUMENT', 'raft storage: dir must be a path');
    if (typeof options.nodeId !== 'string' || options.nodeId.length === 0) throw new ShnError('INVALID_ARGUMENT', 'raft storage: nodeId must be set');
    if (options.fsync !== undefined && options.fsync !== 'always' && options.fsync !== 'never') {
      throw new ShnError('INVALID_ARGUMENT', `raft storage: fsync must be 'always' or 'never', got ${JSON.stringify(options.fsync)}`);
    }
    const s = new DiskRaftStorage(options);
    s.#recover();
    return s;
  }

  #recover(): void {
    mkdirSync(this.#dir, { recursive: true });
    const names = readdirSync(this.#dir);
    const snapFile = join(this.#dir, 'snapshot.bin');
    if (names.includes('snapshot.bin')) {
      const bytes = new Uint8Array(readFileSync(snapFile));
      const off = readHeader(bytes, snapFile, 'snap', this.#nodeId);
      this.mem.applySnapshot(decodeSnapshot(bytes.subarray(off), snapFile));
    }
    const segments = names.filter((n) => /^wal-\d{8}\.log$/.test(n)).sort();
    this.recovery.segments = segments.length;
    for (let i = 0; i < segments.length; i++) {
      const file = join(this.#dir, segments[i] as string);
      const bytes = new Uint8Array(readFileSync(file));
      const last = i === segments.length - 1;
      if (bytes.length === 0 && last) continue; // created, header not yet written
      const off = readHeader(bytes, file, 'wal', this.#nodeId);
      const decoded = decodeRecords(bytes, off);
      if (decoded.tornTail) {
        if (!last) throw new ShnError('DATA_CORRUPT', `${file}: incomplete record in a segment that is not the last`);
        this.recovery.truncatedBytes = bytes.length - decoded.validBytes;
        truncateSync(file, decoded.validBytes);
      }
      for (const r of decoded.records) this.#replay(r);
      this.recovery.records += decoded.records.length;
    }
    this.#segment = segments.length === 0 ? 0 : Number((segments[segments.length - 1] as string).slice(4, 12));
    if (segments.length === 0) this.#rotate([]);
    else this.#fd = openSync(join(this.#dir, segments[segments.length - 1] as string), 'a');
  }

  #replay(r: WalRecord): void {
    if (r.kind === 'hard-state') this.mem.setHardState(r.hardState);
    else if (r.kind === 'entries') {
      const first = this.mem.firstIndex();
      const ents = r.entries.filter((e) => e.index >= first);
      if (ents.length > 0 && (ents[0] as Entry).index <= this.mem.lastIndex() + 1) this.mem.append(ents);
    }
  }

  /** Starts a new segment holding `records`, then deletes the older ones. */
  #rotate(records: readonly WalRecord[]): void {
    const old = this.#fd;
    const next = this.#segment + 1;
    const name = `wal-${String(next).padStart(8, '0')}.log`;
    const tmp = join(this.#dir, `${name}.tmp`);
    const fd = openSync(tmp, 'w');
    const bytes = new Uint8Array([...header('wal', this.#nodeId), ...encodeRecords(records)]);
    writeSync(fd, bytes);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, join(this.#dir, name));
    fsyncDir(this.#dir);
    if (old >= 0) closeSync(old);
    for (let i = 1; i <= this.#segment; i++) rmSync(join(this.#dir, `wal-${String(i).padStart(8, '0')}.log`), { force: true });
    this.#segment = next;
    this.#fd = openSync(join(this.#dir, name), 'a');
  }

  /**
   * Makes a Ready's durable state stable: hard state and entries in one WAL write, fsynced per the
   * policy, and a received snapshot written crash-safely first.
   */
  save(hardState: HardState | undefined, entries: readonly Entry[], snapshot: Snapshot | undefined): void {
    if (snapshot !== undefined) {
      this.#writeSnapshot(snapshot);
      this.mem.applySnapshot(snapshot);
      this.#rotate([{ kind: 'snapshot', index: snapshot.meta.index, term: snapshot.meta.term }, ...(hardState === undefined ? [] : [{ kind: 'hard-state' as const, hardState }])]);
    }
    const records: WalRecord[] = [];
    if (entries.length > 0) records.push({ kind: 'entries', entries });
    if (hardState !== undefined) records.push({ kind: 'hard-state', hardState });
    if (records.length === 0) return;
    writeSync(this.#fd, encodeRecords(records));
    if (this.#fsync === 'always') fsyncSync(this.#fd);
    this.mem.append(entries);
    if (hardState !== undefined) this.mem.setHardState(hardState);
  }

  #writeSnapshot(s: Snapshot): void {
    const tmp = join(this.#dir, 'snapshot.bin.tmp');
    const fd = openSync(tmp, 'w');
    writeSync(fd, new Uint8Array([...header('snap', this.#nodeId), ...encodeSnapshot(s)]));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, join(this.#dir, 'snapshot.bin'));
    fsyncDir(this.#dir);
  }

  /**
   * Records a snapshot of the applied state at `index` and compacts the log before it: the
   * snapshot file is written first, then a new WAL segment with what remains.
   */
  snapshotAndCompact(index: number, conf: ConfState, data: Uint8Array): void {
    const snap = this.mem.createSnapshot(index, conf, data);
    this.#writeSnapshot(snap);
    this.mem.compact(index);
    const rest = this.mem.entries(this.mem.firstIndex(), this.mem.lastIndex() + 1, Infinity) ?? [];
    this.#rotate([
      { kind: 'snapshot', index: snap.meta.index, term: snap.meta.term },
      { kind: 'hard-state', hardState: this.mem.hardState },
      ...(rest.length > 0 ? [{ kind: 'entries' as const, entries: rest }] : []),
    ]);
  }

  /** Bootstraps a brand-new member (see `MemoryRaftStorage.bootstrap`), durably. */
  bootstrap(conf: ConfState, data: Uint8Array = new Uint8Array(0)): void {
    this.mem.bootstrap(conf, data);
    this.#writeSnapshot(this.mem.snapshot());
    this.save(this.mem.hardState, [], undefined);
  }

  close(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }
}

import { mkdir, open, readdir, readFile, truncate, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ShnError, systemTimer } from '@shn/core';
import type { Timer, TimerHandle } from '@shn/core';
import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { corruptError } from './corrupt-error.js';
import { crc32c } from './crc32c.js';

/**
 * When appended records reach the disk:
 * - `always`: `append` resolves after an fsync covering the record (group commit: concurrent
 *   appends share one fsync). Loses nothing acknowledged, even on power loss.
 * - `everysec`: `append` resolves after the write(2); an fsync runs every second. A process kill
 *   loses nothing acknowledged; power loss loses at most about the last second (two if an fsync stalls).
 * - `no`: `append` resolves after the write(2); the OS flushes when it likes. A process kill loses
 *   nothing acknowledged; power loss loses what the OS had not flushed (typically up to 30 s on Linux).
 */
export type FsyncPolicy = 'always' | 'everysec' | 'no';

/** Magic of an append-log segment: `SHNA`. */
const MAGIC = 0x414e4853;
/** The segment format version. */
export const APPEND_LOG_VERSION = 1;
const HEADER_BYTES = 12;

/** Options of {@link AppendLog.open}. */
export interface AppendLogOptions {
  /** Default `everysec`. */
  readonly fsync?: FsyncPolicy;
  readonly timer?: Timer;
  /** Longest record accepted, bytes (default 64 MiB). */
  readonly maxRecordBytes?: number;
}

/** What {@link replayAppendLog} found. */
export interface ReplayReport {
  /** Records handed to the callback. */
  readonly records: number;
  /** Segments read, by generation. */
  readonly segments: readonly number[];
  /** Bytes of a torn last record cut off the last segment (0 if the tail was clean). */
  readonly tornBytes: number;
}

function segmentName(name: string, gen: number): string {
  return `${name}.${gen.toString(16).padStart(14, '0')}.aof`;
}

async function listSegments(dir: string, name: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ShnError('STORE_FAILED', `append log: cannot list ${dir}: ${(e as Error).message}`, { cause: e });
  }
  const re = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.([0-9a-f]{14})\\.aof$`);
  return names
    .map((n) => re.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => parseInt(m[1] as string, 16))
    .sort((a, b) => a - b);
}

function headerBytes(gen: number): Uint8Array {
  const w = new ByteWriter(HEADER_BYTES);
  w.u32(MAGIC).u8(APPEND_LOG_VERSION).u8(0).u16(0);
  w.u32(crc32c(new ByteWriter(16).u32(MAGIC).u8(APPEND_LOG_VERSION).u8(0).u16(0).u64(gen).view()));
  return w.view();
}

/**
 * An append-only log (Redis's AOF) in segment files `<name>.<generation>.aof`: every record is
 * framed with its length and a CRC-32C, and reaches the disk per the {@link FsyncPolicy}.
 * {@link rotate} starts a new segment (at a checkpoint, with the checkpoint's sequence number as
 * generation); {@link dropBefore} deletes segments a durable checkpoint made redundant.
 * Appends are written in call order; one writer per log.
 */
export class AppendLog {
  readonly #dir: string;
  readonly #name: string;
  readonly #policy: FsyncPolicy;
  readonly #timer: Timer;
  readonly #max: number;
  #fh: FileHandle | undefined;
  #gen: number;
  /** Pending appends, and rotation markers between them, in call order. */
  #queue: ({ bytes: Uint8Array; resolve: () => void; reject: (e: unknown) => void } | { rotate: number })[] = [];
  #flushing: Promise<void> | undefined;
  #dirty = false;
  #tick: TimerHandle | undefined;
  #closed = false;
  #lastError: ShnError | undefined;

  private constructor(dir: string, name: string, gen: number, options: AppendLogOptions) {
    this.#dir = dir;
    this.#name = name;
    this.#gen = gen;
    this.#policy = options.fsync ?? 'everysec';
    this.#timer = options.timer ?? systemTimer;
    this.#max = options.maxRecordBytes ?? 64 * 1024 * 1024;
  }

  /**
   * Opens (creating) the newest segment of `name` in `dir` for appending, or a new segment `gen`.
   * Run {@link replayAppendLog} first: it repairs a torn tail, which appending after would bury.
   * @throws ShnError `INVALID_ARGUMENT` for a bad name or policy, `STORE_FAILED` on I/O errors.
   */
  static async open(dir: string, name: string, options: AppendLogOptions = {}): Promise<AppendLog> {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw new ShnError('INVALID_ARGUMENT', `append log name must match [A-Za-z0-9_-]{1,64}, got ${JSON.stringify(name)}`);
    const policy = options.fsync ?? 'everysec';
    if (!['always', 'everysec', 'no'].includes(policy)) throw new ShnError('INVALID_ARGUMENT', `fsync must be always|everysec|no, got ${String(policy)}`);
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      throw new ShnError('STORE_FAILED', `append log: cannot create ${dir}: ${(e as Error).message}`, { cause: e });
    }
    const segs = await listSegments(dir, name);
    const log = new AppendLog(dir, name, segs.length === 0 ? 0 : (segs[segs.length - 1] as number), options);
    await log.#openSegment(log.#gen);
    if (policy === 'everysec') log.#schedule();
    return log;
  }

  /** The generation of the segment being appended to. */
  get generation(): number {
    return this.#gen;
  }

  /** The policy in force. */
  get policy(): FsyncPolicy {
    return this.#policy;
  }

  /** The last write or fsync error (also the rejection of the appends it hit), if any. */
  get lastError(): ShnError | undefined {
    return this.#lastError;
  }

  async #openSegment(gen: number): Promise<void> {
    const path = join(this.#dir, segmentName(this.#name, gen));
    try {
      const fh = await open(path, 'a');
      const { size } = await fh.stat();
      if (size === 0) {
        await fh.write(headerBytes(gen));
        await fh.sync();
        const dh = await open(this.#dir, 'r');
        await dh.sync().finally(() => dh.close());
      }
      this.#fh = fh;
      this.#gen = gen;
    } catch (e) {
      throw new ShnError('STORE_FAILED', `append log: cannot open ${path}: ${(e as Error).message}`, { cause: e });
    }
  }

  #schedule(): void {
    this.#tick = this.#timer.setTimeout(() => {
      if (this.#closed) return;
      void this.#syncNow().finally(() => this.#schedule());
    }, 1000);
    this.#tick.unref?.();
  }

  async #syncNow(): Promise<void> {
    if (!this.#dirty || this.#fh === undefined) return;
    this.#dirty = false;
    try {
      await this.#fh.sync();
    } catch (e) {
      this.#lastError = new ShnError('STORE_FAILED', `append log fsync failed: ${(e as Error).message}`, { cause: e });
    }
  }

  /**
   * Appends one record; resolves when it is as durable as the policy promises.
   * @throws ShnError `INVALID_ARGUMENT` for a non-Uint8Array or a record over the limit,
   *   `RUNTIME_CLOSED` after {@link close}, `STORE_FAILED` if the write or fsync failed.
   */
  append(record: Uint8Array): Promise<void> {
    if (!(record instanceof Uint8Array)) return Promise.reject(new ShnError('INVALID_ARGUMENT', 'append log record must be a Uint8Array'));
    if (record.length > this.#max) return Promise.reject(new ShnError('INVALID_ARGUMENT', `append log record of ${record.length} bytes exceeds the limit of ${this.#max}`));
    if (this.#closed) return Promise.reject(new ShnError('RUNTIME_CLOSED', 'append log is closed'));
    const w = new ByteWriter(record.length + 8);
    w.u32(record.length).u32(crc32c(record)).bytes(record);
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ bytes: w.view(), resolve, reject });
      this.#kick();
    });
  }

  #kick(): void {
    if (this.#flushing !== undefined) return;
    this.#flushing = (async () => {
      while (this.#queue.length > 0) {
        const head = this.#queue[0];
        if (head !== undefined && 'rotate' in head) {
          this.#queue.shift();
          await this.#doRotate(head.rotate);
          continue;
        }
        const cut = this.#queue.findIndex((x) => 'rotate' in x);
        const batch = this.#queue.splice(0, cut < 0 ? this.#queue.length : cut) as { bytes: Uint8Array; resolve: () => void; reject: (e: unknown) => void }[];
        try {
          const fh = this.#fh as FileHandle;
          await fh.writev(batch.map((b) => b.bytes));
          if (this.#policy === 'always') await fh.sync();
          else this.#dirty = true;
          for (const b of batch) b.resolve();
        } catch (e) {
          this.#lastError = new ShnError('STORE_FAILED', `append log write failed: ${(e as Error).message}`, { cause: e });
          for (const b of batch) b.reject(this.#lastError);
        }
      }
    })().finally(() => {
      this.#flushing = undefined;
      if (this.#queue.length > 0) this.#kick();
    });
  }

  async #doRotate(gen: number): Promise<void> {
    const old = this.#fh;
    try {
      if (old !== undefined) {
        await old.sync();
        await old.close();
      }
      await this.#openSegment(gen);
    } catch (e) {
      this.#lastError = e instanceof ShnError ? e : new ShnError('STORE_FAILED', `append log rotate failed: ${(e as Error).message}`, { cause: e });
    }
  }

  /**
   * Starts segment `gen` for the appends made after this call (call it in the same tick as the
   * checkpoint capture numbered `gen`). Appends already made stay in the older segment.
   * @throws ShnError `INVALID_ARGUMENT` unless gen is a safe integer above the current generation.
   */
  rotate(gen: number): void {
    let top = this.#gen;
    for (const x of this.#queue) if ('rotate' in x) top = Math.max(top, x.rotate);
    if (!Number.isSafeInteger(gen) || gen <= top) {
      throw new ShnError('INVALID_ARGUMENT', `rotate generation must be a safe integer above ${top}, got ${String(gen)}`);
    }
    this.#queue.push({ rotate: gen });
    this.#kick();
  }

  /** Deletes segments older than `gen` (after checkpoint `gen` is durable). */
  async dropBefore(gen: number): Promise<number> {
    let n = 0;
    for (const g of await listSegments(this.#dir, this.#name)) {
      if (g < gen && g !== this.#gen) {
        await unlink(join(this.#dir, segmentName(this.#name, g))).catch(() => undefined);
        n++;
      }
    }
    return n;
  }

  /** Waits for pending appends, fsyncs, and closes. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#tick !== undefined) this.#timer.clearTimeout(this.#tick);
    while (this.#flushing !== undefined) await this.#flushing;
    this.#dirty = true;
    await this.#syncNow();
    await this.#fh?.close();
    this.#fh = undefined;
  }
}

/**
 * Replays the segments of `name` in `dir` with generation >= `fromGeneration`, oldest first, calling
 * `onRecord` for each record in append order.
 *
 * A torn tail (a last record cut short by a crash, or whose CRC fails with nothing after it) in the
 * LAST segment is cut off the file and reported in `tornBytes`: it was never acknowledged under
 * `always`, and at most the unsynced tail under the other policies. Anything else is refused.
 * @throws ShnError `DATA_CORRUPT` for a damaged record with data after it or a damaged older
 *   segment, `UNSUPPORTED_VERSION` for a newer segment format, `STORE_FAILED` on I/O errors.
 */
export async function replayAppendLog(dir: string, name: string, fromGeneration: number, onRecord: (record: Uint8Array, generation: number) => void): Promise<ReplayReport> {
  const segs = (await listSegments(dir, name)).filter((g) => g >= fromGeneration);
  let records = 0;
  let tornBytes = 0;
  for (const [i, gen] of segs.entries()) {
    const path = join(dir, segmentName(name, gen));
    const where = `append log ${path}`;
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (e) {
      throw new ShnError('STORE_FAILED', `${where}: cannot read: ${(e as Error).message}`, { cause: e });
    }
    const last = i === segs.length - 1;
    if (bytes.length < HEADER_BYTES) {
      if (last) {
        // Crashed while creating the segment: no record was ever acknowledged in it.
        tornBytes += bytes.length;
        await truncate(path, 0);
        continue;
      }
      throw corruptError('truncated', where, `segment header is ${bytes.length} bytes, needs ${HEADER_BYTES}`);
    }
    const h = new ByteReader(bytes, where);
    if (h.u32() !== MAGIC) throw corruptError('bad-magic', where, 'not a shn append log segment');
    const version = h.u8();
    if (version === 0 || version > APPEND_LOG_VERSION) throw corruptError('newer-version', where, `segment version ${version} is not supported (reads 1..${APPEND_LOG_VERSION})`);
    h.u8();
    h.u16();
    const expected = crc32c(new ByteWriter(16).u32(MAGIC).u8(version).u8(0).u16(0).u64(gen).view());
    if (h.u32() !== expected) throw corruptError('checksum', where, 'segment header CRC-32C mismatch (renamed or damaged segment)');
    let pos = HEADER_BYTES;
    while (pos < bytes.length) {
      const remaining = bytes.length - pos;
      const len = remaining >= 4 ? new DataView(bytes.buffer, bytes.byteOffset + pos, 4).getUint32(0, true) : -1;
      const complete = len >= 0 && remaining >= 8 + len;
      const ok = complete && crc32c(bytes.subarray(pos + 8, pos + 8 + len)) === new DataView(bytes.buffer, bytes.byteOffset + pos + 4, 4).getUint32(0, true);
      if (!ok) {
        const atEnd = !complete || pos + 8 + len === bytes.length;
        if (last && atEnd) {
          tornBytes += remaining;
          await truncate(path, pos);
          break;
        }
        throw corruptError(complete ? 'checksum' : 'truncated', where, `record at offset ${pos} is damaged and is not the tail`, { offset: pos });
      }
      onRecord(bytes.slice(pos + 8, pos + 8 + len), gen);
      records++;
      pos += 8 + len;
    }
  }
  return { records, segments: segs, tornBytes };
}

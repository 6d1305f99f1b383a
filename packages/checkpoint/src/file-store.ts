import { createHash } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { ShnError, assertStoreKey } from '@shn/core';
import type { Store } from '@shn/core';
import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { corruptError } from './corrupt-error.js';
import { crc32c } from './crc32c.js';

/** The magic of a file-store value file: `SHNF`. */
const MAGIC = 0x464e4853;
/** The format version this build writes and the newest it reads. */
export const FILE_STORE_FORMAT_VERSION = 1;
const encoder = new TextEncoder();
/** Longest hex-encoded key kept in the file name itself; longer keys are hashed. */
const MAX_HEX_NAME = 200;

/** Options of {@link FileStore}. */
export interface FileStoreOptions {
  /**
   * fsync the file before the rename and the directory after it (default true). `false` keeps
   * atomicity (a reader sees old or new bytes) but loses durability on power failure.
   */
  readonly fsync?: boolean;
}

function fileNameOf(key: string): string {
  const hex = Buffer.from(key, 'utf8').toString('hex');
  if (hex.length <= MAX_HEX_NAME) return `k${hex}`;
  return `h${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

function storeFailed(op: string, key: string | undefined, cause: unknown): ShnError {
  const what = key === undefined ? '' : ` ${JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}…` : key)}`;
  return new ShnError('STORE_FAILED', `file store ${op}${what} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
}

/**
 * Encodes one value file: `SHNF` magic, format version, the key, the value, each length-prefixed,
 * then a CRC-32C of everything before it.
 */
export function encodeValueFile(key: string, value: Uint8Array): Uint8Array {
  const k = encoder.encode(key);
  const w = new ByteWriter(value.length + k.length + 24);
  w.u32(MAGIC).u8(FILE_STORE_FORMAT_VERSION).u8(0).u16(0).u32(k.length).bytes(k).u32(value.length).bytes(value);
  w.u32(crc32c(w.view()));
  return w.view();
}

/** The three pieces of {@link encodeValueFile} (header with key, the value itself, CRC), without copying the value. */
function valueFileParts(key: string, value: Uint8Array): Uint8Array[] {
  const k = encoder.encode(key);
  const h = new ByteWriter(k.length + 20);
  h.u32(MAGIC).u8(FILE_STORE_FORMAT_VERSION).u8(0).u16(0).u32(k.length).bytes(k).u32(value.length);
  const head = h.view();
  const crc = crc32c(value, crc32c(head));
  return [head, value, new ByteWriter(4).u32(crc).view()];
}

/**
 * Decodes and verifies a value file written by {@link encodeValueFile}.
 * @throws ShnError `DATA_CORRUPT` (truncated, flipped byte, bad magic, trailing bytes) or
 *   `UNSUPPORTED_VERSION` (a newer format), naming `where`.
 */
export function decodeValueFile(bytes: Uint8Array, where: string): { key: string; value: Uint8Array } {
  const r = new ByteReader(bytes, where);
  if (r.u32('magic') !== MAGIC) throw corruptError('bad-magic', where, 'not a shn file-store value file (bad magic)');
  const version = r.u8('version');
  if (version > FILE_STORE_FORMAT_VERSION || version === 0) {
    throw corruptError('newer-version', where, `format version ${version} is not supported (this build reads 1..${FILE_STORE_FORMAT_VERSION})`, { version });
  }
  r.u8();
  r.u16();
  const keyLen = r.u32('key length');
  const keyBytes = r.bytes(keyLen, 'key');
  const valLen = r.u32('value length');
  const value = r.bytes(valLen, 'value');
  const bodyEnd = r.offset;
  const crc = r.u32('crc32c');
  if (r.remaining !== 0) throw corruptError('malformed', where, `${r.remaining} trailing bytes after the checksum`);
  const actual = crc32c(bytes.subarray(0, bodyEnd));
  if (actual !== crc) throw corruptError('checksum', where, `CRC-32C mismatch (stored ${crc.toString(16)}, computed ${actual.toString(16)})`);
  let key: string;
  try {
    key = new TextDecoder('utf-8', { fatal: true }).decode(keyBytes);
  } catch {
    throw corruptError('malformed', where, 'key is not valid UTF-8');
  }
  return { key, value: new Uint8Array(value) };
}

/**
 * A crash-safe {@link Store} in one directory, one file per key.
 *
 * `put` writes a temp file, fsyncs it, renames it over the old file and fsyncs the directory, so
 * after a crash at any point the key holds the complete old or the complete new value. Each file
 * is framed (magic, version, lengths) and ends with a CRC-32C; `get` of a truncated, flipped or
 * foreign file rejects with `DATA_CORRUPT`, of a newer format with `UNSUPPORTED_VERSION`.
 * Keys map to hex file names (SHA-256 for long keys, the key then read from the file), so any
 * valid key is safe on any file system. Other errors reject with `STORE_FAILED`.
 */
export class FileStore implements Store {
  readonly #dir: string;
  readonly #fsync: boolean;
  #ready: Promise<void> | undefined;
  #tmpCounter = 0;

  /** @param dir - the directory (created on first use). */
  constructor(dir: string, options: FileStoreOptions = {}) {
    if (typeof dir !== 'string' || dir.length === 0) throw new ShnError('INVALID_ARGUMENT', 'FileStore needs a directory path');
    this.#dir = dir;
    this.#fsync = options.fsync ?? true;
  }

  /** The directory this store writes to. */
  get dir(): string {
    return this.#dir;
  }

  #init(): Promise<void> {
    this.#ready ??= (async () => {
      try {
        await mkdir(this.#dir, { recursive: true });
        // Temp files of a crashed writer are garbage: the rename never happened.
        for (const name of await readdir(this.#dir)) {
          // Only another process's leftovers: temp files of this pid belong to live sibling threads.
          if (name.startsWith('.tmp-') && !name.startsWith(`.tmp-${process.pid}-`)) await unlink(join(this.#dir, name)).catch(() => undefined);
        }
      } catch (e) {
        this.#ready = undefined;
        throw storeFailed('open', undefined, e);
      }
    })();
    return this.#ready;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    assertStoreKey(key);
    await this.#init();
    const name = fileNameOf(key);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(join(this.#dir, name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw storeFailed('get', key, e);
    }
    const decoded = decodeValueFile(bytes, `file store ${join(this.#dir, name)}`);
    if (decoded.key !== key) {
      throw corruptError('malformed', `file store ${join(this.#dir, name)}`, 'file holds a different key (renamed or copied file)');
    }
    return decoded.value;
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    assertStoreKey(key);
    if (!(value instanceof Uint8Array)) throw new ShnError('INVALID_ARGUMENT', 'store value must be a Uint8Array');
    await this.#init();
    const parts = valueFileParts(key, value);
    const final = join(this.#dir, fileNameOf(key));
    const tmp = join(this.#dir, `.tmp-${process.pid}-${threadId}-${++this.#tmpCounter}`);
    try {
      const fh = await open(tmp, 'w');
      try {
        await fh.writev(parts);
        if (this.#fsync) await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, final);
      if (this.#fsync) await this.#syncDir();
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw storeFailed('put', key, e);
    }
  }

  async #syncDir(): Promise<void> {
    const dh = await open(this.#dir, 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  }

  async delete(key: string): Promise<boolean> {
    assertStoreKey(key);
    await this.#init();
    try {
      await unlink(join(this.#dir, fileNameOf(key)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw storeFailed('delete', key, e);
    }
    if (this.#fsync) await this.#syncDir().catch((e: unknown) => {
      throw storeFailed('delete', key, e);
    });
    return true;
  }

  async list(prefix = ''): Promise<string[]> {
    if (typeof prefix !== 'string') throw new ShnError('INVALID_ARGUMENT', 'prefix must be a string');
    await this.#init();
    let names: string[];
    try {
      names = await readdir(this.#dir);
    } catch (e) {
      throw storeFailed('list', undefined, e);
    }
    const keys: string[] = [];
    for (const name of names) {
      let key: string | undefined;
      if (name.startsWith('k')) {
        key = Buffer.from(name.slice(1), 'hex').toString('utf8');
      } else if (name.startsWith('h')) {
        try {
          key = decodeValueFile(await readFile(join(this.#dir, name)), `file store ${join(this.#dir, name)}`).key;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
          throw e;
        }
      }
      if (key !== undefined && key.startsWith(prefix)) keys.push(key);
    }
    return keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

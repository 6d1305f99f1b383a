import { promisify } from 'node:util';
import { deflateRaw, inflateRaw } from 'node:zlib';
import { ShnError, isShnError } from '@shn/core';
import type { Sealer } from '@shn/core';
import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { corruptError } from './corrupt-error.js';
import { crc32c } from './crc32c.js';

const deflateAsync = promisify(deflateRaw);
const inflateAsync = promisify(inflateRaw);

/** Magic of a checkpoint record: `SHNC`. */
const MAGIC = 0x434e4853;
/** The checkpoint record format version this build writes and the newest it reads. */
export const CHECKPOINT_FORMAT_VERSION = 1;
const FLAG_DEFLATE = 1;
const FLAG_SEALED = 2;
const encoder = new TextEncoder();

/** What a checkpoint record holds: a full or delta state image, or opaque actor bytes (always full). */
export type CheckpointKind = 'full' | 'delta' | 'opaque';
const KINDS: readonly CheckpointKind[] = ['full', 'delta', 'opaque'];

/** The versioned header of one stored checkpoint. */
export interface CheckpointHeader {
  readonly kind: CheckpointKind;
  /** Checkpoint number of this actor, >= 1. */
  readonly seq: number;
  /** For a delta, the checkpoint it applies on (0 = empty state); 0 otherwise. */
  readonly baseSeq: number;
  /** Wall-clock time of the write, epoch ms. */
  readonly createdAt: number;
  /** The node that wrote it. */
  readonly node: string;
  /** The actor (`kind/id`) it belongs to. */
  readonly actor: string;
}

/** How the body is transformed on write. */
export interface BodyCodecOptions {
  /** Deflate the body (node:zlib, off the event loop). */
  readonly compress?: boolean;
  /** Seal the body, bound to the header bytes (so a header cannot be swapped). */
  readonly sealer?: Sealer | undefined;
}

/**
 * Encodes one checkpoint record: a CRC-32C-protected versioned header (node, actor, kind, seq),
 * then the body framed with its length and CRC-32C. The body is deflated and/or sealed first when
 * asked; the seal's additional data is the header, so a sealed body cannot be moved to another
 * actor, node or sequence number.
 */
export async function encodeCheckpoint(header: CheckpointHeader, body: Uint8Array, options: BodyCodecOptions = {}): Promise<Uint8Array> {
  const node = encoder.encode(header.node);
  const actor = encoder.encode(header.actor);
  if (node.length > 0xffff || actor.length > 0xffff) throw new ShnError('INVALID_ARGUMENT', 'node and actor names must be under 64 KiB');
  const flags = (options.compress === true ? FLAG_DEFLATE : 0) | (options.sealer !== undefined ? FLAG_SEALED : 0);
  const h = new ByteWriter(64 + node.length + actor.length);
  h.u32(MAGIC).u8(CHECKPOINT_FORMAT_VERSION).u8(KINDS.indexOf(header.kind)).u8(flags).u8(0);
  h.u64(header.seq).u64(header.baseSeq).f64(header.createdAt).u16(node.length).bytes(node).u16(actor.length).bytes(actor);
  h.u32(crc32c(h.view()));
  const headerBytes = h.view().slice();
  let out = body;
  if (options.compress === true) out = new Uint8Array(await deflateAsync(out));
  if (options.sealer !== undefined) out = await options.sealer.seal(out, headerBytes);
  const w = new ByteWriter(headerBytes.length + out.length + 8);
  w.bytes(headerBytes).u32(out.length).u32(crc32c(out)).bytes(out);
  return w.view();
}

/**
 * Verifies and reads only the header (and checks the body's frame and CRC-32C).
 * @throws ShnError `DATA_CORRUPT` (truncated, flipped byte, bad magic, trailing bytes) or
 *   `UNSUPPORTED_VERSION` (newer format), naming `where`.
 */
export function decodeCheckpointHeader(bytes: Uint8Array, where: string): CheckpointHeader & { flags: number; headerBytes: Uint8Array; body: Uint8Array } {
  const r = new ByteReader(bytes, where);
  if (r.u32('magic') !== MAGIC) throw corruptError('bad-magic', where, 'not a shn checkpoint (bad magic)');
  const version = r.u8('version');
  if (version === 0 || version > CHECKPOINT_FORMAT_VERSION) {
    throw corruptError('newer-version', where, `checkpoint format version ${version} is not supported (this build reads 1..${CHECKPOINT_FORMAT_VERSION})`, { version });
  }
  const kindByte = r.u8('kind');
  const flags = r.u8('flags');
  r.u8();
  const seq = r.u64('seq');
  const baseSeq = r.u64('base seq');
  const createdAt = r.f64('created at');
  const node = r.utf8(r.u16('node length'), 'node');
  const actor = r.utf8(r.u16('actor length'), 'actor');
  const headerEnd = r.offset;
  const headerCrc = r.u32('header crc');
  if (crc32c(bytes.subarray(0, headerEnd)) !== headerCrc) throw corruptError('checksum', where, 'header CRC-32C mismatch');
  const kind = KINDS[kindByte];
  if (kind === undefined) throw corruptError('malformed', where, `unknown checkpoint kind ${kindByte}`);
  if ((flags & ~(FLAG_DEFLATE | FLAG_SEALED)) !== 0) throw corruptError('newer-version', where, `unknown flags 0x${flags.toString(16)}`);
  const headerBytes = bytes.subarray(0, r.offset);
  const len = r.u32('body length');
  const crc = r.u32('body crc');
  const body = r.bytes(len, 'body');
  if (r.remaining !== 0) throw corruptError('malformed', where, `${r.remaining} trailing bytes after the body`);
  if (crc32c(body) !== crc) throw corruptError('checksum', where, 'body CRC-32C mismatch');
  return { kind, seq, baseSeq, createdAt, node, actor, flags, headerBytes, body };
}

/**
 * Decodes a whole record: verifies it, opens a sealed body and inflates a compressed one.
 * @throws like {@link decodeCheckpointHeader}; `SEAL_FAILED` from the sealer; `DATA_CORRUPT` if a
 *   sealed record has no sealer or the body does not inflate.
 */
export async function decodeCheckpoint(bytes: Uint8Array, where: string, sealer?: Sealer): Promise<{ header: CheckpointHeader; body: Uint8Array }> {
  const d = decodeCheckpointHeader(bytes, where);
  let body = d.body;
  if ((d.flags & FLAG_SEALED) !== 0) {
    if (sealer === undefined) throw corruptError('malformed', where, 'checkpoint is sealed but no sealer was configured');
    body = await sealer.open(body, d.headerBytes.slice());
  } else if (sealer !== undefined) {
    throw corruptError('malformed', where, 'checkpoint is not sealed but this reader requires sealing');
  }
  if ((d.flags & FLAG_DEFLATE) !== 0) {
    try {
      body = new Uint8Array(await inflateAsync(body));
    } catch (e) {
      if (isShnError(e)) throw e;
      throw corruptError('malformed', where, `compressed body does not inflate: ${(e as Error).message}`);
    }
  }
  const { kind, seq, baseSeq, createdAt, node, actor } = d;
  return { header: { kind, seq, baseSeq, createdAt, node, actor }, body };
}

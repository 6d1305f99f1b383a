import type { Codec } from '@shn/core';
import { ShnError, isShnError } from '@shn/core';
import { CrdtReader, decodeFailed } from '../encoding/crdt-reader.js';
import { CrdtWriter } from '../encoding/crdt-writer.js';
import type { CrdtType } from '../types/crdt-type.js';

/** First byte of every `@shn/crdt` encoding. */
export const CRDT_MAGIC = 0xc7;
/** The format version this build writes and reads. */
export const CRDT_FORMAT_VERSION = 1;

/** What an encoding holds; checked on decode so an op is never read as a state. */
export const PayloadKind = Object.freeze({ State: 0, Op: 1, Checkpoint: 2, Batch: 3 } as const);
/** One of the {@link PayloadKind} values. */
export type PayloadKind = (typeof PayloadKind)[keyof typeof PayloadKind];

/**
 * Encodes a payload with the common header: magic, format version, payload kind, type tag,
 * then the replica-id table, then the body written by `body`.
 * @throws ShnError `ENCODE_FAILED` if the value cannot be encoded.
 */
export function encodeWithHeader(kind: PayloadKind, tag: number, body: (w: CrdtWriter) => void): Uint8Array {
  const w = new CrdtWriter();
  try {
    body(w);
  } catch (cause) {
    if (isShnError(cause) && cause.code === 'ENCODE_FAILED') throw cause;
    throw new ShnError('ENCODE_FAILED', `crdt: cannot encode: ${(cause as Error).message}`, { cause });
  }
  const head = new CrdtWriter();
  head.u8(CRDT_MAGIC);
  head.u8(CRDT_FORMAT_VERSION);
  head.u8(kind);
  head.u8(tag);
  const replicas = w.replicas();
  head.varint(replicas.length);
  for (const r of replicas) head.string(r);
  head.bytes(w.finish());
  return head.finish();
}

/**
 * Decodes a payload written by {@link encodeWithHeader}: checks the header, reads the
 * replica table, runs `body` and requires every byte to be consumed. Decoding is complete
 * before the caller sees any result, so a failure never leaves a replica half-updated.
 * @throws ShnError `DECODE_FAILED` for anything else (never another exception).
 */
export function decodeWithHeader<T>(bytes: Uint8Array, kind: PayloadKind, tag: number, body: (r: CrdtReader) => T): T {
  if (!(bytes instanceof Uint8Array)) decodeFailed('expected a Uint8Array');
  try {
    const r = new CrdtReader(bytes);
    if (r.u8() !== CRDT_MAGIC) decodeFailed('not a @shn/crdt encoding (bad magic)');
    const version = r.u8();
    if (version !== CRDT_FORMAT_VERSION) decodeFailed(`unsupported format version ${version}`);
    const k = r.u8();
    if (k !== kind) decodeFailed(`payload kind ${k}, expected ${kind}`);
    const t = r.u8();
    if (t !== tag) decodeFailed(`type tag ${t}, expected ${tag}`);
    const n = r.count(1);
    const table: string[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) {
      const id = r.string();
      if (seen.has(id)) decodeFailed('duplicate replica id in table');
      seen.add(id);
      table.push(id);
    }
    r.setReplicaTable(table);
    const value = body(r);
    r.end();
    return value;
  } catch (cause) {
    if (isShnError(cause) && cause.code === 'DECODE_FAILED') throw cause;
    return decodeFailed(`malformed input: ${(cause as Error).message}`, cause);
  }
}

/**
 * The binary codec for states (and deltas, which are states) of `type`.
 * `decode` throws ShnError `DECODE_FAILED` on truncated, corrupted or adversarial bytes.
 */
export function stateCodec<S, V>(type: CrdtType<S, V>): Codec<S> {
  return Object.freeze({
    name: `crdt-state/${type.name}`,
    encode: (state: S) => encodeWithHeader(PayloadKind.State, type.tag, (w) => type.write(w, state)),
    decode: (bytes: Uint8Array) => decodeWithHeader(bytes, PayloadKind.State, type.tag, (r) => type.read(r)),
  });
}

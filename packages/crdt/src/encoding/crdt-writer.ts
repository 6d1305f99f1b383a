import { ShnError, isWellFormedUtf16 } from '@shn/core';

const utf8 = new TextEncoder();

/**
 * A growable byte buffer for the `@shn/crdt` binary format: unsigned LEB128 varints (up to
 * 2^53 - 1), length-prefixed UTF-8 strings and interned replica ids (each distinct replica id
 * is written once, in a table in front of the body; the body refers to it by index).
 */
export class CrdtWriter {
  private buf = new Uint8Array(64);
  private len = 0;
  private readonly replicaIndex = new Map<string, number>();
  private readonly replicaList: string[] = [];

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Writes one byte (0..255). */
  u8(value: number): void {
    this.ensure(1);
    this.buf[this.len++] = value & 0xff;
  }

  /**
   * Writes a non-negative safe integer as an unsigned LEB128 varint.
   * @throws ShnError `ENCODE_FAILED` for negative, fractional or unsafe numbers.
   */
  varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new ShnError('ENCODE_FAILED', `varint must be a non-negative safe integer, got ${value}`);
    }
    this.ensure(8);
    let v = value;
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }

  /**
   * Writes a length-prefixed UTF-8 string.
   * @throws ShnError `ENCODE_FAILED` for a non-string or a string with a lone surrogate, which
   *   UTF-8 cannot carry: it would decode as another string.
   */
  string(value: string): void {
    if (typeof value !== 'string' || !isWellFormedUtf16(value)) {
      throw new ShnError('ENCODE_FAILED', typeof value !== 'string' ? `crdt: expected a string, got ${typeof value}` : 'crdt: a string with a lone surrogate cannot be encoded');
    }
    const bytes = utf8.encode(value);
    this.varint(bytes.length);
    this.bytes(bytes);
  }

  /** Writes raw bytes (no length prefix). */
  bytes(value: Uint8Array): void {
    this.ensure(value.length);
    this.buf.set(value, this.len);
    this.len += value.length;
  }

  /** Writes a replica id as an index into the replica table (interning it on first use). */
  replica(id: string): void {
    let index = this.replicaIndex.get(id);
    if (index === undefined) {
      index = this.replicaList.length;
      this.replicaIndex.set(id, index);
      this.replicaList.push(id);
    }
    this.varint(index);
  }

  /** The replica ids interned so far, in index order. */
  replicas(): readonly string[] {
    return this.replicaList;
  }

  /** Bytes written so far (a copy; the writer may be reused). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  /** Number of bytes written so far. */
  get length(): number {
    return this.len;
  }
}

/**
 * The former name of {@link CrdtWriter}.
 * @deprecated Use `CrdtWriter`: `ByteWriter`/`ByteReader` also named `@shn/core-mailbox`'s frame codec (now `FrameWriter`/`FrameReader`), a different format.
 */
export const ByteWriter = CrdtWriter;
/** @deprecated Use `CrdtWriter`. */
export type ByteWriter = CrdtWriter;

import { ShnError } from '@shn/core';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Throws the `DECODE_FAILED` error every decoder in this package reports. */
export function decodeFailed(message: string, cause?: unknown): never {
  throw new ShnError('DECODE_FAILED', `crdt: ${message}`, cause === undefined ? {} : { cause });
}

/**
 * Reads the `@shn/crdt` binary format written by {@link CrdtWriter}. Every read validates
 * bounds; any problem throws ShnError `DECODE_FAILED`. Counts are checked against the bytes
 * left, so adversarial lengths cannot trigger huge allocations.
 */
export class CrdtReader {
  private pos = 0;
  private table: readonly string[] = [];

  constructor(private readonly buf: Uint8Array) {}

  /** Bytes not yet read. */
  get remaining(): number {
    return this.buf.length - this.pos;
  }

  /** Reads one byte. @throws ShnError `DECODE_FAILED` at end of input. */
  u8(): number {
    if (this.pos >= this.buf.length) decodeFailed('unexpected end of input');
    return this.buf[this.pos++]!;
  }

  /** Reads an unsigned LEB128 varint no larger than 2^53 - 1. @throws ShnError `DECODE_FAILED`. */
  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (!Number.isSafeInteger(result)) decodeFailed('varint out of safe integer range');
        if (i > 0 && b === 0) decodeFailed('non-canonical varint');
        return result;
      }
      scale *= 0x80;
    }
    return decodeFailed('varint too long');
  }

  /** Reads a varint that must be at least 1. */
  positive(): number {
    const v = this.varint();
    if (v < 1) decodeFailed('expected a positive integer');
    return v;
  }

  /**
   * Reads an item count and checks that `count * minItemBytes` bytes are left.
   * @throws ShnError `DECODE_FAILED` when the count cannot fit.
   */
  count(minItemBytes = 1): number {
    const n = this.varint();
    if (n * minItemBytes > this.remaining) decodeFailed(`count ${n} exceeds the ${this.remaining} bytes left`);
    return n;
  }

  /** Reads a length-prefixed UTF-8 string (invalid UTF-8 fails). */
  string(): string {
    const n = this.count(1);
    const bytes = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    try {
      return utf8.decode(bytes);
    } catch (cause) {
      return decodeFailed('invalid UTF-8', cause);
    }
  }

  /** Reads `n` raw bytes (a view, not a copy). */
  bytes(n: number): Uint8Array {
    if (n > this.remaining) decodeFailed('unexpected end of input');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Installs the replica table that {@link replica} indexes into. */
  setReplicaTable(table: readonly string[]): void {
    this.table = table;
  }

  /** Reads a replica id written by `CrdtWriter.replica`. */
  replica(): string {
    const index = this.varint();
    const id = this.table[index];
    if (id === undefined) decodeFailed(`replica index ${index} outside the table of ${this.table.length}`);
    return id;
  }

  /** @throws ShnError `DECODE_FAILED` unless every byte has been consumed. */
  end(): void {
    if (this.remaining !== 0) decodeFailed(`${this.remaining} trailing bytes`);
  }
}

/**
 * The former name of {@link CrdtReader}.
 * @deprecated Use `CrdtReader`: `ByteWriter`/`ByteReader` also named `@shn/core-mailbox`'s frame codec (now `FrameWriter`/`FrameReader`), a different format.
 */
export const ByteReader = CrdtReader;
/** @deprecated Use `CrdtReader`. */
export type ByteReader = CrdtReader;

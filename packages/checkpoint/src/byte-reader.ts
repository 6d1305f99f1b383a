import { corruptError } from './corrupt-error.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * A bounds-checked little-endian reader. Every read past the end throws ShnError
 * `DATA_CORRUPT` (`reason: 'truncated'`) naming `where`, the offset and the missing bytes.
 */
export class ByteReader {
  readonly #buf: Uint8Array;
  readonly #view: DataView;
  readonly #where: string;
  #pos: number;

  constructor(buf: Uint8Array, where: string, offset = 0) {
    this.#buf = buf;
    this.#view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.#where = where;
    this.#pos = offset;
  }

  /** The read position, in bytes from the start. */
  get offset(): number {
    return this.#pos;
  }

  /** Bytes left. */
  get remaining(): number {
    return this.#buf.length - this.#pos;
  }

  #need(n: number, what: string): void {
    if (this.#pos + n > this.#buf.length) {
      throw corruptError('truncated', this.#where, `truncated: ${what} needs ${n} bytes at offset ${this.#pos}, only ${this.#buf.length - this.#pos} left`, {
        offset: this.#pos,
        needed: n,
      });
    }
  }

  u8(what = 'u8'): number {
    this.#need(1, what);
    return this.#buf[this.#pos++] as number;
  }

  u16(what = 'u16'): number {
    this.#need(2, what);
    const v = this.#view.getUint16(this.#pos, true);
    this.#pos += 2;
    return v;
  }

  u32(what = 'u32'): number {
    this.#need(4, what);
    const v = this.#view.getUint32(this.#pos, true);
    this.#pos += 4;
    return v;
  }

  /** 8 bytes as a safe integer; larger values are `DATA_CORRUPT` (`malformed`). */
  u64(what = 'u64'): number {
    this.#need(8, what);
    const v = this.#view.getBigUint64(this.#pos, true);
    this.#pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corruptError('malformed', this.#where, `${what} ${v} exceeds 2^53-1`);
    return Number(v);
  }

  f64(what = 'f64'): number {
    this.#need(8, what);
    const v = this.#view.getFloat64(this.#pos, true);
    this.#pos += 8;
    return v;
  }

  /** A view (not a copy) of the next `n` bytes. */
  bytes(n: number, what = 'bytes'): Uint8Array {
    this.#need(n, what);
    const out = this.#buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }

  /** `n` bytes decoded as strict UTF-8 (`malformed` on invalid sequences). */
  utf8(n: number, what = 'string'): string {
    const b = this.bytes(n, what);
    try {
      return decoder.decode(b);
    } catch {
      throw corruptError('malformed', this.#where, `${what} is not valid UTF-8`);
    }
  }
}

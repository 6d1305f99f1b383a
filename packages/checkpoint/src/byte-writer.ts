/** A growable little-endian byte buffer for the binary formats of this package. */
export class ByteWriter {
  #buf: Uint8Array;
  #view: DataView;
  #len = 0;

  constructor(initialCapacity = 256) {
    this.#buf = new Uint8Array(Math.max(16, initialCapacity));
    this.#view = new DataView(this.#buf.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#len;
  }

  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < this.#len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.#reserve(1);
    this.#buf[this.#len++] = v;
    return this;
  }

  u16(v: number): this {
    this.#reserve(2);
    this.#view.setUint16(this.#len, v, true);
    this.#len += 2;
    return this;
  }

  u32(v: number): this {
    this.#reserve(4);
    this.#view.setUint32(this.#len, v >>> 0, true);
    this.#len += 4;
    return this;
  }

  /** A non-negative safe integer as 8 bytes. */
  u64(v: number): this {
    this.#reserve(8);
    this.#view.setBigUint64(this.#len, BigInt(v), true);
    this.#len += 8;
    return this;
  }

  f64(v: number): this {
    this.#reserve(8);
    this.#view.setFloat64(this.#len, v, true);
    this.#len += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.#reserve(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
    return this;
  }

  /** Overwrites 4 bytes at `offset` (for back-patched lengths and checksums). */
  patchU32(offset: number, v: number): void {
    this.#view.setUint32(offset, v >>> 0, true);
  }

  /** A view of the written bytes (not a copy; do not write afterwards). */
  view(): Uint8Array {
    return this.#buf.subarray(0, this.#len);
  }
}

import { ShnError } from '@shn/core';
import { isErrorReply, type Reply } from './reply.js';

const CRLF = Buffer.from('\r\n');
/** Payloads at least this large are referenced, not copied, into the output. */
const ZERO_COPY_THRESHOLD = 16 * 1024;

/**
 * Serialises {@link Reply} values into RESP2 bytes, batching many replies into few buffers
 * (one socket write per batch). Small pieces are copied into a reusable scratch buffer;
 * bulk payloads of 16 KiB or more are referenced without copying.
 */
export class RespWriter {
  private scratch: Buffer;
  private used = 0;
  private out: Buffer[] = [];
  private outBytes = 0;

  /** @param initialBytes initial scratch size in bytes. */
  constructor(initialBytes = 16 * 1024) {
    this.scratch = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes written since the last {@link RespWriter.take}. */
  get size(): number {
    return this.outBytes + this.used;
  }

  /**
   * Appends one reply.
   *
   * @throws ShnError `ENCODE_FAILED` for values that are not a {@link Reply} (non-integer
   *   numbers, objects without `err`, nesting deeper than 64). Nothing is written then.
   */
  write(reply: Reply): void {
    validate(reply, 0);
    this.writeValid(reply);
  }

  /** Returns everything written so far as a list of buffers and starts a new batch. */
  take(): Buffer[] {
    this.flushScratch();
    const out = this.out;
    this.out = [];
    this.outBytes = 0;
    return out;
  }

  private writeValid(reply: Reply): void {
    if (reply === null || reply === undefined) {
      this.ascii('$-1\r\n');
    } else if (typeof reply === 'string') {
      this.ascii('+');
      this.text(sanitizeLine(reply));
      this.ascii('\r\n');
    } else if (typeof reply === 'number' || typeof reply === 'bigint') {
      this.ascii(`:${reply}\r\n`);
    } else if (reply instanceof Uint8Array) {
      this.ascii(`$${reply.length}\r\n`);
      this.bytes(reply);
      this.bytes(CRLF);
    } else if (Array.isArray(reply)) {
      this.ascii(`*${reply.length}\r\n`);
      for (const item of reply as readonly Reply[]) this.writeValid(item);
    } else if (isErrorReply(reply)) {
      this.ascii('-');
      this.text(sanitizeLine(reply.err));
      this.ascii('\r\n');
    }
  }

  private ascii(s: string): void {
    this.reserve(s.length);
    this.used += this.scratch.write(s, this.used, 'latin1');
  }

  private text(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.reserve(n);
    this.used += this.scratch.write(s, this.used, 'utf8');
  }

  private bytes(b: Uint8Array): void {
    if (b.length >= ZERO_COPY_THRESHOLD) {
      this.flushScratch();
      this.out.push(Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length));
      this.outBytes += b.length;
      return;
    }
    this.reserve(b.length);
    this.scratch.set(b, this.used);
    this.used += b.length;
  }

  private reserve(n: number): void {
    if (this.used + n <= this.scratch.length) return;
    this.flushScratch();
    if (n > this.scratch.length) this.scratch = Buffer.allocUnsafe(Math.max(n, this.scratch.length * 2));
  }

  private flushScratch(): void {
    if (this.used === 0) return;
    // Copy out the used part so the scratch buffer can be reused immediately.
    this.out.push(Buffer.from(this.scratch.subarray(0, this.used)));
    this.outBytes += this.used;
    this.used = 0;
  }
}

/** Serialises one reply into a single buffer (convenient for tests and small replies). */
export function encodeReply(reply: Reply): Buffer {
  const w = new RespWriter(256);
  w.write(reply);
  return Buffer.concat(w.take());
}

/** Simple strings and errors cannot carry CR or LF; Redis replaces them with spaces. */
function sanitizeLine(s: string): string {
  return /[\r\n]/.test(s) ? s.replace(/[\r\n]/g, ' ') : s;
}

function validate(reply: unknown, depth: number): void {
  if (depth > 64) throw new ShnError('ENCODE_FAILED', 'reply nested deeper than 64 levels');
  if (reply === null || reply === undefined || typeof reply === 'string' || typeof reply === 'bigint') return;
  if (reply instanceof Uint8Array) return;
  if (typeof reply === 'number') {
    if (!Number.isSafeInteger(reply)) throw new ShnError('ENCODE_FAILED', `integer reply must be a safe integer, got ${reply}`);
    return;
  }
  if (Array.isArray(reply)) {
    for (const item of reply) validate(item, depth + 1);
    return;
  }
  if (isErrorReply(reply)) return;
  throw new ShnError('ENCODE_FAILED', `not a RESP reply: ${typeof reply}`);
}
